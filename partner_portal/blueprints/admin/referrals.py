"""Two-tier settings and coupon codes (double-sided referral)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ...extensions import db
from ...models import CouponCode, Offer
from ...models.base import utcnow
from ...services import commission_plans, coupons, referrals
from ...services.commission_rules.base import fmt_number
from ...services.program import get_program
from ..forms import ConfirmForm
from ..units import unit_of_work
from . import bp
from .commission_forms import CouponForm, ReferralSettingsForm
from .offer_forms import options
from .views import actor


@bp.route("/commissions/referrals", methods=["GET", "POST"])
def referral_settings():
    program = get_program()
    if request.method == "GET":
        form = ReferralSettingsForm(data={
            "subaffiliate_share": fmt_number(program.subaffiliate_share),
            "subaffiliate_levels": str(program.subaffiliate_levels),
            "referral_discount": program.referral_discount})
    else:
        form = ReferralSettingsForm()
    if form.validate_on_submit():
        with unit_of_work(form) as done:
            referrals.update_settings(form.subaffiliate_share.data, form.subaffiliate_levels.data,
                                      form.referral_discount.data, actor=actor(), now=utcnow())
        if done:
            flash("Referral settings saved. They apply from now on.", "success")
            return redirect(url_for("admin.referral_settings"))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/commissions/referrals.html", form=form), status


def _coupon_form(**kwargs) -> CouponForm:
    form = CouponForm(**kwargs)
    offers = db.session.scalars(select(Offer).order_by(Offer.name))
    form.offer.choices = options([("", "Every offer")] + [(o.id, o.name) for o in offers])
    return form


@bp.route("/coupons", methods=["GET", "POST"])
def coupon_codes():
    form = _coupon_form()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            with unit_of_work(form) as done:
                partner = commission_plans.find_partner(form.partner.data)
                offer = db.session.get(Offer, form.offer.data) if form.offer.data else None
                coupon = coupons.create(partner, form.code.data, form.discount.data, offer=offer,
                                        actor=actor(), now=utcnow())
            if done:
                flash(f"Coupon {coupon.code} created for {partner.public_name}.", "success")
                return redirect(url_for("admin.coupon_codes"))
        status = 422
    page = max(request.args.get("page", 1, type=int), 1)
    rows = list(db.session.scalars(select(CouponCode).order_by(CouponCode.created_at.desc(),
                                                               CouponCode.id.desc())
                                   .limit(51).offset((page - 1) * 50)))
    return render_template("admin/coupons.html", form=form, coupons=rows[:50], page=page,
                           more=len(rows) > 50, confirm=ConfirmForm()), status


@bp.route("/coupons/<int:coupon_id>/active", methods=["POST"])
def coupon_active(coupon_id: int):
    if db.session.get(CouponCode, coupon_id) is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        with unit_of_work():
            active = request.form.get("active") == "1"
            coupons.set_active(coupon_id, active, actor=actor(), now=utcnow())
        flash("Coupon code switched on." if active else "Coupon code switched off.", "success")
    return redirect(url_for("admin.coupon_codes"))
