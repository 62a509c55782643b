"""A partner's performance for a date range, read from the daily rollups only.

Clicks, conversions, revenue and earnings come from ``daily_stats`` (one row per day, offer,
partner and sub1); commissions by status and the balance from the commissions table, with
the partner's own index. The click log is never scanned, so the cost does not grow with
it (the only click rows read are those behind earnings a breakdown row has no clicks for,
to say where they came from). Money is kept per currency: offers may be priced in different currencies.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Click, Commission, Conversion, DailyStat, Offer
from .money import ClickRates, ratio
from .ranges import DateRange

ZERO = Decimal("0")
# Everything but rejected; "hold" is what partners read as under review.
STATUSES = ("pending", "hold", "approved", "paid")
BREAKDOWNS = {"offer": "Offer", "sub1": "Sub-ID", "day": "Day"}
NO_SUB = "(none)"


@dataclass
class Figures(ClickRates):
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
        return ratio(self.conversions, self.clicks)

    def money(self, currency: str) -> Figures:
        return self.by_currency.get(currency) or Figures()


# A percentage says something only on a base big enough to compare with: below these the
# dashboard says how much more or less instead ("4 more vs 2"), never "▲ 10992.3%".
MIN_COUNT_BASE = 20
MAX_PERCENT = Decimal(5)  # beyond ±500% the difference itself reads better


@dataclass
class Change:
    """A figure against the same figure for the previous period, and how to say it.

    ``kind`` is "count", "money" or "rate" (a conversion rate: compared in percentage
    points). ``higher_is_better`` says which way is good news for the partner (false for
    refunds), which sets the tone (the colour), never the arrow: the arrow shows which way
    the figure went."""

    current: Decimal | int | None
    previous: Decimal | int | None
    kind: str = "count"
    higher_is_better: bool = True

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

    @property
    def difference(self) -> Decimal | int | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous

    @property
    def style(self) -> str:
        """How the change reads: "none" (nothing worth saying: no figure, or zero both
        times), "new" (nothing the period before), "same", "points" (a rate, in percentage
        points), "percent" (on a base big enough for a percentage) or "amount" (the
        difference itself, on a small or negative base)."""
        if self.current is None or self.previous is None or (not self.current and not self.previous):
            return "none"
        if self.current == self.previous:
            return "same"
        if not self.previous:
            return "new"
        if self.kind == "rate":
            return "points"
        ratio = self.ratio
        if self.previous < 0 or abs(ratio) > MAX_PERCENT or (
                self.kind == "count" and self.previous < MIN_COUNT_BASE):
            return "amount"
        return "percent"

    @property
    def tone(self) -> str:
        """ "good", "bad" or "neutral" news for the partner."""
        if self.direction not in ("up", "down"):
            return "neutral"
        return "good" if (self.direction == "up") == self.higher_is_better else "bad"


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
    # {(status, currency): amount} earned (commissions, bonuses, tier-2 shares) in each
    # period, by where the money is now.
    commissions: dict[tuple[str, str], Decimal]
    commissions_before: dict[tuple[str, str], Decimal]
    balance: dict[str, Decimal]
    by_day: list[Row]
    # {currency: amount} taken off by refunds and clawbacks in each period (negative).
    refunds: dict[str, Decimal] = field(default_factory=dict)
    refunds_before: dict[str, Decimal] = field(default_factory=dict)

    @property
    def currency(self) -> str:
        return self.currencies[0]

    def change(self, name: str, currency: str | None = None) -> Change:
        """``name`` is a Totals attribute (clicks, conversions, conversion_rate, …) or, with
        a currency, a Figures attribute (revenue, commission, epc)."""
        kind = "rate" if name == "conversion_rate" else "money" if currency else "count"
        if currency is None:
            return Change(getattr(self.current, name), getattr(self.before, name), kind)
        return Change(getattr(self.current.money(currency), name),
                      getattr(self.before.money(currency), name), kind)

    def status_change(self, status: str, currency: str) -> Change:
        return Change(self.commissions.get((status, currency), ZERO),
                      self.commissions_before.get((status, currency), ZERO), "money")

    def refunds_change(self, currency: str) -> Change:
        """Refunds as amounts refunded: more of them is bad news."""
        return Change(-self.refunds.get(currency, ZERO), -self.refunds_before.get(currency, ZERO),
                      "money", higher_is_better=False)

    def shows_refunds(self, currency: str) -> bool:
        return bool(self.refunds.get(currency) or self.refunds_before.get(currency))

    def shows_review(self, currency: str) -> bool:
        return bool(self.commissions.get(("hold", currency)))

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
    """Earnings by status and currency, and refunds by currency, for commissions created in
    each period. Read from the partner's (partner, created_at, status, currency, amount)
    index alone: only adjustments (refunds and clawbacks) are negative, so the sign tells
    them apart without reading the rows."""
    since, _ = previous.utc_bounds()
    start, until = period.utc_bounds()
    in_current = case((Commission.created_at >= start, 1), else_=0).label("current")
    earned = func.sum(case((Commission.amount >= 0, Commission.amount), else_=0))
    refunded = func.sum(case((Commission.amount < 0, Commission.amount), else_=0))
    current: dict[tuple[str, str], Decimal] = {}
    before: dict[tuple[str, str], Decimal] = {}
    refunds: dict[str, Decimal] = defaultdict(lambda: ZERO)
    refunds_before: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for status, currency, is_current, earnings, taken in db.session.execute(
            select(Commission.status, Commission.currency, in_current, earned, refunded)
            .where(Commission.partner_id == partner_id, Commission.created_at >= since,
                   Commission.created_at < until, Commission.status.in_(STATUSES))
            .group_by(Commission.status, Commission.currency, in_current)):
        (current if is_current else before)[(status, currency)] = Decimal(earnings or 0)
        (refunds if is_current else refunds_before)[currency] += Decimal(taken or 0)
    return current, before, dict(refunds), dict(refunds_before)


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
    commissions, commissions_before, refunds, refunds_before = _commissions_by_period(
        partner_id, period, previous)
    owed = balance(partner_id)
    seen = set(current.by_currency) | set(before.by_currency) | set(owed) | \
        {c for _, c in commissions} | {c for _, c in commissions_before}
    currencies = [program_currency] + sorted(seen - {program_currency})
    return Dashboard(period, previous, current, before, currencies, commissions,
                     commissions_before, owed, by_day, refunds, refunds_before)


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


# --- what the dashboard lists beside the figures ---------------------------------------------

@dataclass
class Latest:
    """One of the latest commissions, with the refund adjustments made to it since."""

    commission: Commission
    refunds: list[Commission]


def latest_commissions(partner_id: int, limit: int = 5) -> list[Latest]:
    """The partner's latest earnings (commissions, bonuses, tier-2 shares), newest first,
    each with its refunds: a wave of refunds never crowds out what was earned."""
    rows = list(db.session.scalars(
        select(Commission).options(joinedload(Commission.offer), joinedload(Commission.conversion))
        .where(Commission.partner_id == partner_id, Commission.kind != "adjustment")
        .order_by(Commission.created_at.desc(), Commission.id.desc()).limit(limit)))
    refunds: dict[int, list[Commission]] = defaultdict(list)
    if rows:
        for adjustment in db.session.scalars(
                select(Commission).where(Commission.reverses_id.in_([c.id for c in rows]),
                                         Commission.partner_id == partner_id,
                                         Commission.status != "rejected")
                .order_by(Commission.created_at, Commission.id)):
            refunds[adjustment.reverses_id].append(adjustment)
    return [Latest(c, refunds[c.id]) for c in rows]


# Where earnings come from when no click in the period explains them, in the order shown.
SOURCES = ("coupon codes", "renewals", "your recruits' sales", "milestone bonuses",
           "sales reported with your partner reference", "clicks before this period",
           "clicks not counted as visits (bots, link previews)")


def _source(kind: str, via: str | None, event: str | None, click_in_period: bool) -> str:
    if kind == "tier2":
        return "your recruits' sales"
    if kind == "bonus":
        return "milestone bonuses"
    if event == "renewal" or via == "customer":
        return "renewals"
    if via == "coupon":
        return "coupon codes"
    if via == "partner":
        return "sales reported with your partner reference"
    return SOURCES[-1] if click_in_period else "clicks before this period"


def earning_sources(partner_id: int, by: str, period: DateRange,
                    rows: list[Row]) -> dict[str, list[str]]:
    """For the rows of a breakdown by offer or sub-ID that earned with no clicks in the
    period: where those earnings came from (coupon codes, renewals, recruits' sales, …), by
    row key. Read only when there are such rows, and only for them."""
    quiet = {r.key for r in rows if not r.figures.clicks and r.figures.commission}
    if not quiet or by not in ("offer", "sub1"):
        return {}
    start, until = period.utc_bounds()
    clicked = func.coalesce(Click.created_at, Conversion.clicked_at)
    in_period = case((clicked >= start, True), else_=False).label("in_period")
    stmt = (select(Commission.offer_id, Click.sub1, Commission.kind, Conversion.attributed_via,
                   Conversion.event, in_period)
            .join(Conversion, Conversion.id == Commission.conversion_id)
            .outerjoin(Click, Click.id == Conversion.click_row_id)
            .where(Commission.partner_id == partner_id, Commission.status != "rejected",
                   Commission.kind != "adjustment", Conversion.occurred_at >= start,
                   Conversion.occurred_at < until)
            .distinct())
    if by == "offer":
        stmt = stmt.where(Commission.offer_id.in_([int(k) for k in quiet]))
    found: dict[str, set[str]] = defaultdict(set)
    for offer_id, sub1, kind, via, event, click_in_period in db.session.execute(stmt):
        key = str(offer_id) if by == "offer" else (sub1 or "")
        if key in quiet:
            found[key].add(_source(kind, via, event, bool(click_in_period)))
    return {key: [s for s in SOURCES if s in labels] for key, labels in found.items()}
