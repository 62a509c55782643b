"""Partners' side. One guard; every query in these views is scoped to the current partner."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, request, url_for
from flask_login import current_user

from ...extensions import login_manager

bp = Blueprint("partner", __name__)

# Pages a partner who is not (or no longer) approved may still open.
OPEN_TO_ANY_STATUS = {"partner.home", "partner.account"}


@bp.before_request
def guard():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_partner or current_user.partner is None:
        abort(404)
    partner = current_user.partner
    if partner.status == "banned":
        abort(404)
    g.partner = partner
    if partner.status != "approved" and request.endpoint not in OPEN_TO_ANY_STATUS:
        return redirect(url_for("partner.home"))


from . import views  # noqa: E402,F401
