"""A partner's performance for a date range, read from the daily rollups only.

Clicks, conversions, revenue and earnings come from ``daily_stats`` (one row per day, offer,
partner and sub1); commissions by status and the balance from the commissions table, with
the partner's own index. Raw clicks are never read, so the cost does not grow with the
click log. Money is kept per currency: offers may be priced in different currencies.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, select

from ..extensions import db
from ..models import Commission, DailyStat, Offer
from .dashboard_ranges import DateRange

ZERO = Decimal("0")
STATUSES = ("pending", "approved", "paid")
BREAKDOWNS = {"offer": "Offer", "sub1": "Sub-ID", "day": "Day"}
NO_SUB = "(none)"


def _ratio(numerator, denominator) -> Decimal | None:
    if not denominator:
        return None
    return Decimal(numerator) / Decimal(denominator)


@dataclass
class Figures:
    """Counters for one slice (a period, an offer, a sub-ID or a day) in one currency."""

    clicks: int = 0
    unique_clicks: int = 0
    conversions: int = 0
    revenue: Decimal = ZERO
    commission: Decimal = ZERO

    def add(self, clicks, unique_clicks, conversions, revenue, commission) -> None:
        self.clicks += int(clicks or 0)
        self.unique_clicks += int(unique_clicks or 0)
        self.conversions += int(conversions or 0)
        self.revenue += Decimal(revenue or 0)
        self.commission += Decimal(commission or 0)

    @property
    def conversion_rate(self) -> Decimal | None:
        return _ratio(self.conversions, self.clicks)

    @property
    def epc(self) -> Decimal | None:
        """Earnings per click."""
        return _ratio(self.commission, self.clicks)


@dataclass
class Totals:
    """A period's figures: counts over every offer, money per currency."""

    by_currency: dict[str, Figures] = field(default_factory=lambda: defaultdict(Figures))

    def _sum(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.by_currency.values())

    @property
    def clicks(self) -> int:
        return self._sum("clicks")

    @property
    def unique_clicks(self) -> int:
        return self._sum("unique_clicks")

    @property
    def conversions(self) -> int:
        return self._sum("conversions")

    @property
    def conversion_rate(self) -> Decimal | None:
        return _ratio(self.conversions, self.clicks)

    def money(self, currency: str) -> Figures:
        return self.by_currency.get(currency) or Figures()


@dataclass
class Change:
    """A figure against the same figure for the previous period."""

    current: Decimal | int | None
    previous: Decimal | int | None

    @property
    def ratio(self) -> Decimal | None:
        """(current - previous) / previous; None when there is nothing to compare with."""
        if self.current is None or not self.previous:
            return None
        return (Decimal(self.current) - Decimal(self.previous)) / Decimal(self.previous)

    @property
    def direction(self) -> str:
        if self.current is None or self.previous is None:
            return "none"
        if self.current > self.previous:
            return "up"
        if self.current < self.previous:
            return "down"
        return "same"


@dataclass
class Row:
    """One line of a breakdown."""

    key: str
    label: str
    currency: str
    figures: Figures


@dataclass
class Dashboard:
    range: DateRange
    previous: DateRange
    current: Totals
    before: Totals
    currencies: list[str]
    # {(status, currency): amount} for commissions created in each period.
    commissions: dict[tuple[str, str], Decimal]
    commissions_before: dict[tuple[str, str], Decimal]
    balance: dict[str, Decimal]
    by_day: list[Row]

    @property
    def currency(self) -> str:
        return self.currencies[0]

    def change(self, name: str, currency: str | None = None) -> Change:
        """``name`` is a Totals attribute (clicks, conversions, conversion_rate, …) or, with
        a currency, a Figures attribute (revenue, commission, epc)."""
        if currency is None:
            return Change(getattr(self.current, name), getattr(self.before, name))
        return Change(getattr(self.current.money(currency), name),
                      getattr(self.before.money(currency), name))

    def status_change(self, status: str, currency: str) -> Change:
        return Change(self.commissions.get((status, currency), ZERO),
                      self.commissions_before.get((status, currency), ZERO))

    def chart(self) -> dict:
        """The series the dashboard chart draws (earnings in the main currency)."""
        days = {}
        for row in self.by_day:
            point = days.setdefault(row.key, {"clicks": 0, "conversions": 0, "earnings": ZERO})
            point["clicks"] += row.figures.clicks
            point["conversions"] += row.figures.conversions
            if row.currency == self.currency:
                point["earnings"] += row.figures.commission
        labels = [d.isoformat() for d in self.range.each_day()]
        empty = {"clicks": 0, "conversions": 0, "earnings": ZERO}
        return {
            "labels": labels,
            "currency": self.currency,
            "clicks": [days.get(day, empty)["clicks"] for day in labels],
            "conversions": [days.get(day, empty)["conversions"] for day in labels],
            "earnings": [str(days.get(day, empty)["earnings"].quantize(Decimal("0.01")))
                         for day in labels],
        }


def _rollup_columns():
    return (func.sum(DailyStat.clicks), func.sum(DailyStat.unique_clicks),
            func.sum(DailyStat.conversions), func.sum(DailyStat.revenue),
            func.sum(DailyStat.commission))


def _daily(partner_id: int, first: date, last: date):
    return db.session.execute(
        select(DailyStat.day, Offer.currency, *_rollup_columns())
        .join(Offer, Offer.id == DailyStat.offer_id)
        .where(DailyStat.partner_id == partner_id, DailyStat.day >= first, DailyStat.day <= last)
        .group_by(DailyStat.day, Offer.currency)
        .order_by(DailyStat.day)
    ).all()


def _commissions_by_period(partner_id: int, period: DateRange, previous: DateRange):
    since, _ = previous.utc_bounds()
    start, until = period.utc_bounds()
    in_current = case((Commission.created_at >= start, 1), else_=0).label("current")
    current: dict[tuple[str, str], Decimal] = {}
    before: dict[tuple[str, str], Decimal] = {}
    for status, currency, is_current, amount in db.session.execute(
            select(Commission.status, Commission.currency, in_current, func.sum(Commission.amount))
            .where(Commission.partner_id == partner_id, Commission.created_at >= since,
                   Commission.created_at < until, Commission.status.in_(STATUSES))
            .group_by(Commission.status, Commission.currency, in_current)):
        (current if is_current else before)[(status, currency)] = Decimal(amount or 0)
    return current, before


def balance(partner_id: int) -> dict[str, Decimal]:
    """Approved commissions (and adjustments) not yet paid out, per currency."""
    return {currency: Decimal(amount or 0) for currency, amount in db.session.execute(
        select(Commission.currency, func.sum(Commission.amount))
        .where(Commission.partner_id == partner_id, Commission.status == "approved")
        .group_by(Commission.currency))}


def dashboard(partner_id: int, period: DateRange, program_currency: str) -> Dashboard:
    previous = period.previous()
    current, before = Totals(), Totals()
    by_day: list[Row] = []
    for day, currency, *counters in _daily(partner_id, previous.start, period.end):
        if day >= period.start:
            current.by_currency[currency].add(*counters)
            figures = Figures()
            figures.add(*counters)
            by_day.append(Row(day.isoformat(), day.isoformat(), currency, figures))
        else:
            before.by_currency[currency].add(*counters)
    commissions, commissions_before = _commissions_by_period(partner_id, period, previous)
    owed = balance(partner_id)
    seen = set(current.by_currency) | set(before.by_currency) | set(owed) | \
        {c for _, c in commissions} | {c for _, c in commissions_before}
    currencies = [program_currency] + sorted(seen - {program_currency})
    return Dashboard(period, previous, current, before, currencies, commissions,
                     commissions_before, owed, by_day)


def breakdown(partner_id: int, by: str, period: DateRange) -> list[Row]:
    """Rows by offer, sub-ID or day for the period, busiest first (days in order)."""
    if by not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {by}")
    where = (DailyStat.partner_id == partner_id, DailyStat.day >= period.start,
             DailyStat.day <= period.end)
    if by == "day":
        rows = []
        for day, currency, *counters in _daily(partner_id, period.start, period.end):
            figures = Figures()
            figures.add(*counters)
            rows.append(Row(day.isoformat(), day.isoformat(), currency, figures))
        return rows
    if by == "offer":
        key_columns = (Offer.id, Offer.name)
    else:
        key_columns = (DailyStat.sub1,)
    result = db.session.execute(
        select(*key_columns, Offer.currency, *_rollup_columns())
        .join(Offer, Offer.id == DailyStat.offer_id)
        .where(*where)
        .group_by(*key_columns, Offer.currency)
    ).all()
    rows = []
    for values in result:
        if by == "offer":
            offer_id, name, currency, *counters = values
            key, label = str(offer_id), name
        else:
            sub1, currency, *counters = values
            key, label = sub1 or "", sub1 or NO_SUB
        figures = Figures()
        figures.add(*counters)
        rows.append(Row(key, label, currency, figures))
    rows.sort(key=lambda r: (-r.figures.clicks, -r.figures.conversions, r.label))
    return rows
