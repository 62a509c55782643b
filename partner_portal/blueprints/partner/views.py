from __future__ import annotations

from flask import current_app, g, redirect, render_template, url_for
from flask_login import current_user

from ...models.base import utcnow
from ...services import coupons, dashboard, partner_offers, referrals
from ...services.program import get_program
from ..account import change_password_view
from ..forms import ChangePasswordForm
from . import bp


@bp.route("/")
def home():
    partner = g.partner
    if partner.status != "approved":
        return render_template("partner/status.html", partner=partner)
    overview = dashboard.partner_overview(partner, utcnow(), get_program().currency)
    return render_template("partner/home.html", partner=partner, o=overview)


@bp.route("/account", methods=["GET", "POST"])
def account():
    form = ChangePasswordForm()
    if change_password_view(form, current_user._get_current_object()):
        return redirect(url_for("partner.account"))
    return render_template("partner/account.html", form=form, partner=g.partner)


@bp.route("/offers")
def offers():
    partner = g.partner
    return render_template("partner/offers.html", partner=partner,
                           terms=partner_offers.terms_for(partner, utcnow()),
                           coupons=[c for c in coupons.for_partner(partner.id) if c.is_active],
                           recruit_url=referrals.recruitment_url(partner, current_app.config["BASE_URL"]),
                           recruits=len(referrals.recruits(partner)))
