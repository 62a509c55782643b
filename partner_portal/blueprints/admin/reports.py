"""Program reporting for managers: the dashboard, referred customers' value, and one
partner's performance. Every table has a CSV."""

from __future__ import annotations

from decimal import Decimal

from flask import Response, abort, render_template, request

from ...extensions import db
from ...models import Partner
from ...models.base import utcnow
from ...services import charts as trend_charts
from ...services import customer_value, ledger, payouts, ranges, reporting
from ...services.money import round_money
from ...services.partner_stats import Change
from ...services.program import get_program, program_zone
from ..csvutil import csv_response
from . import bp

ROW_HEADER = ["clicks", "conversions", "conversion_rate", "revenue", "commission", "epc",
              "currency"]


def _period():
    zone = program_zone()
    today = utcnow().astimezone(zone).date()
    return ranges.picked(request.args, today=today, zone=zone)


def _currency() -> str:
    wanted = (request.args.get("currency") or "").upper()
    available = reporting.currencies()
    return wanted if wanted in available else get_program().currency


def _rate(value: Decimal | None, places: int = 4) -> str:
    return "" if value is None else str(round(value, places))


def _row_cells(row: reporting.Row, currency: str) -> list:
    return [row.clicks, row.conversions, _rate(row.conversion_rate),
            round_money(row.revenue, currency), round_money(row.commission, currency),
            _rate(row.epc), currency]


def charts(period: ranges.DateRange, currency: str,
           partner_id: int | None = None) -> dict[str, trend_charts.Trend]:
    """Clicks, conversions, revenue and commission per day, each with the previous period
    of the same length beside it."""
    before = period.previous()
    now, then = (reporting.daily(period, currency, partner_id),
                 reporting.daily(before, currency, partner_id))

    def trend(name, attribute, money=False):
        return trend_charts.trend(name, period.each_day(), [getattr(r, attribute) for r in now],
                                  before.each_day(), [getattr(r, attribute) for r in then],
                                  currency if money else None)

    return {"clicks": trend("Clicks", "clicks"), "conversions": trend("Conversions", "conversions"),
            "revenue": trend("Revenue", "revenue", True),
            "commission": trend("Commission", "commission", True)}


def kpi_changes(k: reporting.Kpis, before: reporting.Kpis) -> dict[str, Change]:
    """Each period figure against the previous period's, told as the partner dashboard
    tells its own (figures of the moment, such as pending approvals, have none)."""
    return {
        "clicks": Change(k.clicks, before.clicks),
        "conversions": Change(k.conversions, before.conversions),
        "conversion_rate": Change(k.conversion_rate, before.conversion_rate, "rate"),
        "revenue": Change(k.revenue, before.revenue, "money"),
        "commission": Change(k.commission, before.commission, "money"),
        "cpa": Change(k.cpa, before.cpa, "money", higher_is_better=False),
        "epc": Change(k.epc, before.epc, "money"),
        "new_partners": Change(k.new_partners, before.new_partners),
        "active_partners": Change(k.active_partners, before.active_partners),
    }


def _csv(filename: str, header: list[str], rows) -> Response:
    return csv_response(filename, header, rows)


def _table_csv(name: str, rows: list[reporting.Row], currency: str, period, first: str):
    return _csv(f"report-{name}-{period.start}-{period.end}.csv", [first] + ROW_HEADER,
                [[r.label] + _row_cells(r, currency) for r in rows])


@bp.route("/reports")
def reports():
    period, range_error = _period()
    currency = _currency()
    tables = {
        "daily": lambda: reporting.daily(period, currency),
        "partners": lambda: reporting.top_partners(period, currency, limit=None),
        "offers": lambda: reporting.top_offers(period, currency, limit=None),
        "groups": lambda: reporting.by_group(period, currency),
    }
    if request.args.get("format") == "csv":
        table = request.args.get("table")
        if table not in tables:
            abort(404)
        first = {"daily": "day", "partners": "partner", "offers": "offer", "groups": "group"}
        return _table_csv(table, tables[table](), currency, period, first[table])
    if request.args.get("format") == "csv-kpis":
        k = reporting.kpis(period, currency)
        return _csv(f"report-kpis-{period.start}-{period.end}.csv", ["kpi", "value"], [
            ("clicks", k.clicks), ("unique_clicks", k.unique_clicks),
            ("conversions", k.conversions), ("conversion_rate", _rate(k.conversion_rate)),
            ("revenue", round_money(k.revenue, currency)),
            ("commission_cost", round_money(k.commission, currency)),
            ("cpa", _rate(k.cpa)), ("roas", _rate(k.roas)), ("epc", _rate(k.epc)),
            ("new_partners", k.new_partners), ("active_partners", k.active_partners),
            ("pending_commissions", k.pending_commissions),
            ("pending_amount", round_money(k.pending_amount, currency)),
            ("commissions_on_hold", k.on_hold), ("applications_to_review", k.applications)])
    k = reporting.kpis(period, currency)
    return render_template(
        "admin/reports/dashboard.html", period=period, range_error=range_error,
        presets=ranges.PRESETS, currency=currency, currencies=reporting.currencies(),
        k=k, changes=kpi_changes(k, reporting.kpis(period.previous(), currency)),
        previous=period.previous(), charts=charts(period, currency),
        partners=reporting.top_partners(period, currency),
        offers=reporting.top_offers(period, currency), groups=tables["groups"]())


@bp.route("/reports/customers")
def reports_customers():
    currency = _currency()
    months = request.args.get("months", 12, type=int)
    months = months if months in (3, 6, 12, 24) else 12
    value = customer_value.referred_value(currency=currency, now=utcnow(), months=months)
    table = request.args.get("table")
    if request.args.get("format") == "csv":
        if table == "partners":
            return _csv(f"referred-customers-{value.since}.csv",
                        ["partner_id", "partner", "customers", "orders", "renewals",
                         "lifetime_revenue", "revenue_per_customer", "currency"],
                        [(v.partner_id, v.name, v.customers, v.orders, v.renewals,
                          round_money(v.revenue, currency),
                          round_money(v.revenue_per_customer, currency), currency)
                         for v in value.partners])
        if table == "cohorts":
            width = max((len(c.active) for c in value.cohorts), default=0)
            return _csv(f"retention-{value.since}.csv",
                        ["first_purchase_month", "customers"] + [f"month_{i}" for i in range(width)],
                        [[c.month, c.customers] + c.active + [""] * (width - len(c.active))
                         for c in value.cohorts])
        abort(404)
    return render_template("admin/reports/customers.html", value=value, currency=currency,
                           currencies=reporting.currencies(), months=months)


@bp.route("/partners/<int:partner_id>/performance")
def partner_performance(partner_id: int):
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        abort(404)
    period, range_error = _period()
    currency = _currency()
    if request.args.get("format") == "csv":
        tables = {"daily": (lambda: reporting.daily(period, currency, partner.id), "day"),
                  "offers": (lambda: reporting.top_offers(period, currency, None, partner.id),
                             "offer"),
                  "sub1": (lambda: reporting.by_sub1(period, currency, partner.id), "sub1")}
        table = request.args.get("table")
        if table not in tables:
            abort(404)
        rows, first = tables[table]
        return _table_csv(f"partner{partner.id}-{table}", rows(), currency, period, first)
    value = customer_value.referred_value(currency=currency, now=utcnow(), partner_id=partner.id)
    k = reporting.kpis(period, currency, partner.id)
    return render_template(
        "admin/reports/partner.html", partner=partner, period=period, range_error=range_error,
        presets=ranges.PRESETS, currency=currency, currencies=reporting.currencies(),
        k=k, changes=kpi_changes(k, reporting.kpis(period.previous(), currency, partner.id)),
        previous=period.previous(), charts=charts(period, currency, partner.id),
        offers=reporting.top_offers(period, currency, None, partner.id),
        subs=reporting.by_sub1(period, currency, partner.id),
        statuses=reporting.commissions_by_status(currency, partner.id),
        balance=ledger.balance(partner.id, currency=currency),
        history=payouts.partner_payouts(partner.id, limit=10),
        value=value.partners[0] if value.partners else None,
        span=reporting.first_and_last_day(partner.id))
