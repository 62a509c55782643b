from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from ...models.base import utcnow
from ...services import (
    announcements,
    audit,
    coupons,
    getting_started,
    milestones,
    partner_offers,
    partner_stats,
    ranges,
    referrals,
    terms,
)
from ...services.errors import ValidationError
from ...services.money import round_money
from ...services.program import current_terms, get_program, program_zone
from ..auth.session import client_ip
from ..csvutil import csv_response
from ..forms import ConfirmForm
from ..units import unit_of_work
from . import bp
from .forms import AcceptTermsForm


def selected_range() -> tuple[ranges.DateRange, str | None]:
    """The range picked in the query string, and an error message if the custom dates were
    not usable (the default range is shown instead)."""
    zone = program_zone()
    return ranges.picked(request.args, today=ranges.local_today(utcnow(), zone), zone=zone)


@bp.route("/")
def home():
    partner = g.partner
    if partner.status != "approved":
        return render_template("partner/status.html", partner=partner)
    period, range_error = selected_range()
    board = partner_stats.dashboard(partner.id, period, get_program().currency)
    by_offer = partner_stats.breakdown(partner.id, "offer", period)
    by_sub = partner_stats.breakdown(partner.id, "sub1", period)
    return render_template(
        "partner/dashboard.html", partner=partner, d=board, presets=ranges.PRESETS,
        range_error=range_error, chart=board.chart(), by_offer=by_offer, by_sub=by_sub,
        offer_sources=partner_stats.earning_sources(partner.id, "offer", period, by_offer),
        sub_sources=partner_stats.earning_sources(partner.id, "sub1", period, by_sub),
        recent=partner_stats.latest_commissions(partner.id), news=announcements.published(limit=3),
        start=getting_started.for_partner(partner),
        badges=milestones.board(partner.id, utcnow().astimezone(program_zone()).date()))


@bp.route("/reports/<by>.csv")
def report_csv(by: str):
    if by not in partner_stats.BREAKDOWNS:
        abort(404)
    period, _ = selected_range()
    rows = partner_stats.breakdown(g.partner.id, by, period)
    sources = partner_stats.earning_sources(g.partner.id, by, period, rows)
    header = [partner_stats.BREAKDOWNS[by], "Currency", "Clicks", "Unique clicks",
              "Conversions", "Conversion rate", "Revenue", "Earnings", "EPC",
              "Earnings without clicks from"]

    def ratio(value, places):
        return "" if value is None else f"{value:.{places}f}"

    return csv_response(
        f"{by}-{period.start.isoformat()}-{period.end.isoformat()}.csv", header,
        ([r.label, r.currency, r.figures.clicks, r.figures.unique_clicks, r.figures.conversions,
          ratio(r.figures.conversion_rate, 4), round_money(r.figures.revenue, r.currency),
          round_money(r.figures.commission, r.currency), ratio(r.figures.epc, 4),
          "; ".join(sources.get(r.key, ()))] for r in rows))


@bp.route("/announcements")
def announcements_page():
    return render_template("partner/announcements.html", items=announcements.published())


@bp.route("/terms/current")
def terms_page():
    return render_template("partner/terms_current.html", terms=current_terms("terms"),
                           guidelines=current_terms("guidelines"),
                           accepted=terms.acceptances(g.partner))


@bp.route("/terms", methods=["GET", "POST"])
def accept_terms():
    partner = g.partner
    pending = terms.pending_for(partner)
    if not pending:
        return redirect(url_for("partner.home"))
    form = AcceptTermsForm()
    status = 200
    if form.validate_on_submit():
        shown = [int(i) for i in request.form.getlist("version_ids") if i.isascii() and i.isdigit() and len(i) <= 9]
        with unit_of_work(form) as done:
            if not form.accept.data:
                raise ValidationError("Tick the box to accept the new version.", field="accept")
            terms.accept(partner, shown, ip=client_ip(), now=utcnow())
        if done:
            flash("Thank you. You accepted the current version.", "success")
            return redirect(url_for("partner.home"))
        else:
            status = 422
    elif form.is_submitted():
        status = 422
    return render_template("partner/accept_terms.html", form=form, pending=pending), status


@bp.route("/offers")
def offers():
    partner = g.partner
    return render_template("partner/offers.html", partner=partner,
                           terms=partner_offers.terms_for(partner, utcnow()),
                           coupons=[c for c in coupons.for_partner(partner.id) if c.is_active],
                           recruit_url=referrals.recruitment_url(partner),
                           recruits=len(referrals.recruits(partner)), confirm=ConfirmForm())


@bp.route("/coupon", methods=["POST"])
def take_coupon():
    """The partner takes their own coupon code (when the program offers a standard discount)."""
    if ConfirmForm().validate_on_submit():
        with unit_of_work(flash_error=True) as done:
            coupon = coupons.take_for_partner(g.partner, actor=audit.Actor.of(current_user, client_ip()),
                                              now=utcnow())
        if done:
            flash(f"Your code is {coupon.code}: {coupon.discount} for the customers you refer.",
                  "success")
    return redirect(url_for("partner.offers") + "#codes")
