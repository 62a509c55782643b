from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from ...extensions import db
from ...models.base import utcnow
from ...services import audit, coupons, dashboard, partner_offers, referrals, terms
from ...services.errors import DomainError, ValidationError
from ...services.program import get_program
from ..account import change_password_view
from ..auth.session import client_ip
from ..forms import ChangePasswordForm, ConfirmForm, apply_error
from .forms import AcceptTermsForm
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


@bp.route("/terms", methods=["GET", "POST"])
def accept_terms():
    partner = g.partner
    pending = terms.pending_for(partner)
    if not pending:
        return redirect(url_for("partner.home"))
    form = AcceptTermsForm()
    status = 200
    if form.validate_on_submit():
        shown = [int(i) for i in request.form.getlist("version_ids") if i.isdigit()]
        try:
            if not form.accept.data:
                raise ValidationError("Tick the box to accept the new version.", field="accept")
            terms.accept(partner, shown, ip=client_ip(), now=utcnow())
        except DomainError as exc:
            db.session.rollback()
            apply_error(form, exc)
            status = 422
        else:
            db.session.commit()
            flash("Thank you. You accepted the current version.", "success")
            return redirect(url_for("partner.home"))
    elif form.is_submitted():
        status = 422
    return render_template("partner/accept_terms.html", form=form, pending=pending), status


@bp.route("/offers")
def offers():
    partner = g.partner
    return render_template("partner/offers.html", partner=partner,
                           terms=partner_offers.terms_for(partner, utcnow()),
                           coupons=[c for c in coupons.for_partner(partner.id) if c.is_active],
                           recruit_url=referrals.recruitment_url(partner, current_app.config["BASE_URL"]),
                           recruits=len(referrals.recruits(partner)), confirm=ConfirmForm())


@bp.route("/coupon", methods=["POST"])
def take_coupon():
    """The partner takes their own coupon code (when the program offers a standard discount)."""
    if ConfirmForm().validate_on_submit():
        try:
            coupon = coupons.take_for_partner(g.partner, actor=audit.Actor.of(current_user, client_ip()),
                                              now=utcnow())
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(f"Your code is {coupon.code}: {coupon.discount} for the customers you refer.",
                  "success")
    return redirect(url_for("partner.offers") + "#codes")
