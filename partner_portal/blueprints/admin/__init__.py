"""Program managers' side. One guard covers every route in the blueprint."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_login import current_user

from ...extensions import login_manager
from ...services.permissions import MANAGE, VIEW, can
from ...services.program import get_program

bp = Blueprint("admin", __name__)

# Pages a staff member may open before setting up two-factor, when the program requires it.
TWO_FACTOR_SETUP_ENDPOINTS = {"admin.two_factor_setup"}


def requires(permission: str):
    """Declare the permission a view needs. Without it, reading (GET) needs ``view`` and
    anything that changes state needs ``manage``: the safe default for a new route."""

    def decorate(view):
        view.required_permission = permission
        return view

    return decorate


def required_permission(endpoint: str | None, method: str) -> str:
    view = current_app.view_functions.get(endpoint or "")
    declared = getattr(view, "required_permission", None)
    if declared:
        return declared
    return VIEW if method in ("GET", "HEAD", "OPTIONS") else MANAGE


@bp.before_request
def guard():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_staff:
        abort(404)  # partners never learn what lives under /admin
    if (get_program().staff_2fa_required and not current_user.totp_enabled
            and request.endpoint not in TWO_FACTOR_SETUP_ENDPOINTS):
        return redirect(url_for("admin.two_factor_setup"))
    if not can(current_user.role, required_permission(request.endpoint, request.method)):
        abort(403)


@bp.context_processor
def inject_permissions():
    return {"can": lambda permission: can(current_user.role, permission)}


from . import (  # noqa: E402,F401
    commissions,
    creatives,
    fraud,
    integrations,
    jobs,
    ledger,
    offers,
    partners,
    payouts,
    portal,
    referrals,
    reports,
    rules,
    settings,
    simulator,
    staff,
    statements,
    views,
    webhooks,
)
