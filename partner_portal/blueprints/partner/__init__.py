"""Partners' side. One guard; every query in these views is scoped to the current partner."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, request, url_for
from flask_login import current_user

from ...extensions import login_manager
from ...services import audit
from ...services.terms import pending_for

bp = Blueprint("partner", __name__)

# The partner's own account: open whatever their status, and before accepting new terms.
ACCOUNT_PAGES = {"partner.account", "partner.account_profile", "partner.account_email",
                 "partner.account_email_confirm", "partner.account_notifications",
                 "partner.two_factor_setup", "partner.two_factor_disable"}
# Pages a partner who is not (or no longer) approved may still open.
OPEN_TO_ANY_STATUS = {"partner.home", "partner.accept_terms"} | ACCOUNT_PAGES
# Pages reachable before accepting a new version of the terms or guidelines.
BEFORE_TERMS = {"partner.accept_terms", "partner.terms_page"} | ACCOUNT_PAGES


def actor() -> audit.Actor:
    """The signed-in partner user, as the audit log records them."""
    from ..auth.session import client_ip

    return audit.Actor.of(current_user, client_ip())


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
    # A new version of the terms or guidelines must be accepted before anything else (the
    # status page stays open to partners who are not approved).
    if partner.status == "approved" and request.endpoint not in BEFORE_TERMS \
            and pending_for(partner):
        return redirect(url_for("partner.accept_terms"))
    return None


from . import (  # noqa: E402,F401
    account,
    creatives,
    earnings,
    links,
    milestones,
    payouts,
    share,
    statements,
    views,
)
