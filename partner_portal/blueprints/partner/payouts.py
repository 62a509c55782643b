"""The partner's payouts page: payout details, progress to the minimum, history."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for

from ...models.base import utcnow
from ...services import partner_payouts, payout_details
from ..admin.payout_forms import PayoutDetailsForm
from ..units import unit_of_work
from . import actor, bp


@bp.route("/payouts", methods=["GET", "POST"])
def payouts_page():
    partner = g.partner
    current = payout_details.of_partner(partner)
    form = PayoutDetailsForm(data={"method": current.method or "",
                                   "paypal_email": current.paypal_email,
                                   "account_holder": current.account_holder,
                                   "iban": current.iban, "bic": current.bic,
                                   "other_details": current.other_details})
    status = 200
    if form.validate_on_submit():
        details = payout_details.PayoutDetails(
            form.method.data, form.paypal_email.data, form.account_holder.data, form.iban.data,
            form.bic.data, form.other_details.data)
        with unit_of_work(form) as done:
            payout_details.update(partner.id, details, actor=actor(), now=utcnow())
        if done:
            flash("Payout details saved.", "success")
            return redirect(url_for("partner.payouts_page"))
        else:
            status = 422
    return render_template("partner/payouts.html", o=partner_payouts.overview(partner),
                           form=form, partner=partner), status
