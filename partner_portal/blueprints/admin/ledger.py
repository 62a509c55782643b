"""Balances, a partner's ledger with manual adjustments, payout details, payout settings."""

from __future__ import annotations

from decimal import Decimal

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import or_, select

from ...extensions import db
from ...models import Partner
from ...models.base import utcnow
from ...services import adjustments, ledger, payout_details, payout_settings, payouts, ranges
from ...services.money import round_money
from ...services.permissions import PAY
from ...services.program import get_program, program_zone
from ..csvutil import csv_response
from ..units import unit_of_work
from . import bp, requires
from .payout_forms import AdjustmentForm, PayoutDetailsForm, PayoutSettingsForm
from .views import actor

PER_PAGE = 50
LEDGER_PAGE = 100


def _partner_or_404(partner_id: int) -> Partner:
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        abort(404)
    return partner


def _csv(filename: str, header, rows) -> Response:
    return csv_response(filename, header, rows)


@bp.route("/payouts/balances")
def payout_balances():
    program = get_program()
    q = (request.args.get("q") or "").strip()
    show = request.args.get("show", "nonzero")
    totals = ledger.balances(currency=program.currency)
    query = select(Partner).where(Partner.id.in_(totals)).order_by(Partner.name)
    if q:
        like = f"%{q}%"
        query = query.where(or_(Partner.name.ilike(like), Partner.email.ilike(like)))
    rows = [(p, totals[p.id]) for p in db.session.scalars(query)]
    if show == "nonzero":
        rows = [r for r in rows if r[1] != 0]
    elif show == "payable":
        minimum = Decimal(program.min_payout)
        rows = [r for r in rows if r[1] >= minimum and r[0].status == "approved"
                and payout_details.problem(r[0]) is None]
    elif show == "negative":
        rows = [r for r in rows if r[1] < 0]
    rows.sort(key=lambda r: (-r[1], r[0].name))
    if request.args.get("format") == "csv":
        return _csv("balances.csv", ["partner_id", "partner_ref", "name", "email", "status",
                                     "payout_method", "balance", "currency"],
                    [(p.id, p.ref, p.name, p.email, p.status, p.payout_method,
                      round_money(b, program.currency), program.currency) for p, b in rows])
    page = max(request.args.get("page", 1, type=int), 1)
    total = sum((b for _, b in rows), Decimal(0))
    return render_template("admin/payouts/balances.html", q=q, show=show, total=total,
                           count=len(rows), rows=rows[(page - 1) * PER_PAGE: page * PER_PAGE],
                           page=page, has_next=len(rows) > page * PER_PAGE,
                           problems={p.id: payout_details.problem(p) for p, _ in rows})


@bp.route("/payouts/partners/<int:partner_id>")
def partner_ledger(partner_id: int):
    return _ledger_page(_partner_or_404(partner_id), AdjustmentForm(formdata=None))


@bp.route("/payouts/partners/<int:partner_id>/adjustments", methods=["POST"])
@requires(PAY)
def partner_adjust(partner_id: int):
    partner = _partner_or_404(partner_id)
    form = AdjustmentForm()
    if form.validate_on_submit():
        with unit_of_work(form) as done:
            adjustments.adjust(partner.id, form.amount.data, form.reason.data, actor=actor(),
                               now=utcnow())
        if done:
            flash("Adjustment added to the ledger.", "success")
            return redirect(url_for("admin.partner_ledger", partner_id=partner.id))
    return _ledger_page(partner, form), 400


def _ledger_page(partner: Partner, form: AdjustmentForm):
    program = get_program()
    zone = program_zone()
    today = utcnow().astimezone(zone).date()
    period, range_error = ranges.picked(request.args, today=today, zone=zone,
                                        default="this_month")
    start, end = period.utc_bounds()

    def money(amount):
        return round_money(amount, program.currency)

    statement = ledger.statement(partner.id, start, end, currency=program.currency)
    if request.args.get("format") == "csv":
        return _csv(f"ledger-{partner.id}-{period.start}-{period.end}.csv",
                    ["date", "kind", "description", "amount", "balance", "currency"],
                    [("", "opening", "Opening balance", "", money(statement.opening),
                      program.currency)]
                    + [(e.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"), e.kind, e.description,
                        money(e.amount), money(bal), program.currency)
                       for e, bal in statement.entries]
                    + [("", "closing", "Closing balance", "", money(statement.closing),
                        program.currency)])
    page = max(request.args.get("page", 1, type=int), 1)
    shown = statement.entries[(page - 1) * LEDGER_PAGE: page * LEDGER_PAGE]
    return render_template("admin/payouts/ledger.html", partner=partner, form=form,
                           statement=statement, shown=shown, page=page,
                           has_next=len(statement.entries) > page * LEDGER_PAGE,
                           first_shown=(page - 1) * LEDGER_PAGE + 1,
                           period=period, range_error=range_error,
                           presets=ranges.PRESETS, balance=ledger.balance(partner.id),
                           history=payouts.partner_payouts(partner.id),
                           problem=payout_details.problem(partner))


@bp.route("/payouts/partners/<int:partner_id>/details", methods=["GET", "POST"])
@requires(PAY)
def partner_payout_details(partner_id: int):
    partner = _partner_or_404(partner_id)
    current = payout_details.of_partner(partner)
    form = PayoutDetailsForm(data={"method": current.method or "",
                                   "paypal_email": current.paypal_email,
                                   "account_holder": current.account_holder,
                                   "iban": current.iban, "bic": current.bic,
                                   "other_details": current.other_details})
    if form.validate_on_submit():
        details = payout_details.PayoutDetails(
            form.method.data, form.paypal_email.data, form.account_holder.data, form.iban.data,
            form.bic.data, form.other_details.data)
        with unit_of_work(form) as done:
            payout_details.update(partner.id, details, actor=actor(), now=utcnow())
        if done:
            flash("Payout details saved.", "success")
            return redirect(url_for("admin.partner_ledger", partner_id=partner.id))
    return render_template("admin/payouts/details.html", partner=partner, form=form)


@bp.route("/payouts/settings", methods=["GET", "POST"])
@requires(PAY)
def payout_settings_page():
    program = get_program()
    form = PayoutSettingsForm(data={
        "min_payout": format(Decimal(program.min_payout).normalize(), "f"),
        "payout_second_approver": program.payout_second_approver,
        "sepa_debtor_name": program.sepa_debtor_name, "sepa_debtor_iban": program.sepa_debtor_iban,
        "sepa_debtor_bic": program.sepa_debtor_bic})
    if form.validate_on_submit():
        with unit_of_work(form) as done:
            payout_settings.update(payout_settings.PayoutSettings(
                form.min_payout.data, form.payout_second_approver.data, form.sepa_debtor_name.data,
                form.sepa_debtor_iban.data, form.sepa_debtor_bic.data), actor=actor(), now=utcnow())
        if done:
            flash("Payout settings saved.", "success")
            return redirect(url_for("admin.payout_settings_page"))
    return render_template("admin/payouts/settings.html", form=form)
