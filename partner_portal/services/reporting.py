"""Program reporting from the daily rollups (``daily_stats``) and a few small tables.

Never scans raw clicks: every traffic and money figure is a sum over ``daily_stats``
rows (one per local day, offer, partner and sub1), joined to offers for the currency and
to partners and groups for names. A report is in one currency: the offers priced in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, or_, select

from ..extensions import db
from ..models import Commission, DailyStat, Offer, Partner, PartnerGroup
from .errors import ValidationError
from .money import ClickRates, ratio
from .ranges import MAX_DAYS, DateRange

ZERO = Decimal("0")


@dataclass(frozen=True)
class Row(ClickRates):
    """A line of a breakdown table."""

    key: int | str | None
    label: str
    clicks: int
    conversions: int
    revenue: Decimal
    commission: Decimal


@dataclass(frozen=True)
class Kpis(ClickRates):
    clicks: int
    unique_clicks: int
    conversions: int
    revenue: Decimal
    commission: Decimal
    new_partners: int
    active_partners: int
    pending_commissions: int
    pending_amount: Decimal
    on_hold: int
    applications: int

    @property
    def cpa(self) -> Decimal | None:
        """Cost per acquisition: commission cost per conversion."""
        return ratio(self.commission, self.conversions)

    @property
    def roas(self) -> Decimal | None:
        """Return on ad spend: revenue per unit of commission cost."""
        return ratio(self.revenue, self.commission)


def currencies() -> list[str]:
    return sorted(set(db.session.scalars(select(Offer.currency).distinct())))


def _scope(period: DateRange, currency: str, partner_id: int | None = None,
           offer_id: int | None = None):
    conditions = [DailyStat.day >= period.start, DailyStat.day <= period.end,
                  Offer.currency == currency]
    if partner_id is not None:
        conditions.append(DailyStat.partner_id == partner_id)
    if offer_id is not None:
        conditions.append(DailyStat.offer_id == offer_id)
    return conditions


def _sums():
    return (func.coalesce(func.sum(DailyStat.clicks), 0),
            func.coalesce(func.sum(DailyStat.conversions), 0),
            func.coalesce(func.sum(DailyStat.revenue), 0),
            func.coalesce(func.sum(DailyStat.commission), 0))


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.0001"))


def kpis(period: DateRange, currency: str, partner_id: int | None = None) -> Kpis:
    clicks, conversions, revenue, commission = db.session.execute(
        select(*_sums()).join(Offer, Offer.id == DailyStat.offer_id)
        .where(*_scope(period, currency, partner_id))).one()
    unique = db.session.scalar(
        select(func.coalesce(func.sum(DailyStat.unique_clicks), 0))
        .join(Offer, Offer.id == DailyStat.offer_id).where(*_scope(period, currency, partner_id)))
    active = db.session.scalar(
        select(func.count(func.distinct(DailyStat.partner_id)))
        .join(Offer, Offer.id == DailyStat.offer_id)
        .where(*_scope(period, currency, partner_id),
               or_(DailyStat.clicks > 0, DailyStat.conversions > 0)))
    start, end = period.utc_bounds()
    new = db.session.scalar(select(func.count()).select_from(Partner).where(
        Partner.approved_at >= start, Partner.approved_at < end,
        *([Partner.id == partner_id] if partner_id is not None else [])))
    pending_filter = [Commission.currency == currency]
    if partner_id is not None:
        pending_filter.append(Commission.partner_id == partner_id)
    pending, pending_amount = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Commission.amount), 0))
        .where(Commission.status == "pending", *pending_filter)).one()
    on_hold = db.session.scalar(select(func.count()).select_from(Commission).where(
        Commission.status == "hold", *pending_filter))
    applications = db.session.scalar(select(func.count()).select_from(Partner).where(
        Partner.status == "applied"))
    return Kpis(int(clicks), int(unique or 0), int(conversions), _money(revenue),
                _money(commission), new or 0, active or 0, pending or 0, _money(pending_amount),
                on_hold or 0, applications or 0)


def daily(period: DateRange, currency: str, partner_id: int | None = None,
          offer_id: int | None = None) -> list[Row]:
    """One row per local day of the range (zeros included)."""
    found = {day: (c, v, r, m) for day, c, v, r, m in db.session.execute(
        select(DailyStat.day, *_sums()).join(Offer, Offer.id == DailyStat.offer_id)
        .where(*_scope(period, currency, partner_id, offer_id)).group_by(DailyStat.day))}
    rows = []
    for day in period.each_day():
        c, v, r, m = found.get(day, (0, 0, 0, 0))
        rows.append(Row(day.isoformat(), day.isoformat(), int(c), int(v), _money(r), _money(m)))
    return rows


def _breakdown(key_column, label_column, period, currency, *, joins=(), partner_id=None,
               offer_id=None, limit=None, order="commission") -> list[Row]:
    clicks, conversions, revenue, commission = _sums()
    query = (select(key_column, label_column, clicks, conversions, revenue, commission)
             .select_from(DailyStat).join(Offer, Offer.id == DailyStat.offer_id))
    for target, on in joins:
        query = query.outerjoin(target, on)
    query = query.where(*_scope(period, currency, partner_id, offer_id)).group_by(key_column,
                                                                                  label_column)
    ordering = {"commission": commission, "revenue": revenue, "clicks": clicks}[order]
    query = query.order_by(ordering.desc(), conversions.desc(), label_column)
    if limit:
        query = query.limit(limit)
    return [Row(k, label if label is not None else "—", int(c), int(v), _money(r), _money(m))
            for k, label, c, v, r, m in db.session.execute(query)]


def top_partners(period: DateRange, currency: str, limit: int | None = 10) -> list[Row]:
    return _breakdown(DailyStat.partner_id, Partner.name, period, currency,
                      joins=[(Partner, Partner.id == DailyStat.partner_id)], limit=limit)


def top_offers(period: DateRange, currency: str, limit: int | None = 10,
               partner_id: int | None = None) -> list[Row]:
    return _breakdown(DailyStat.offer_id, Offer.name, period, currency, partner_id=partner_id,
                      limit=limit)


def api_range(start: date | None, end: date | None, *, today: date, zone) -> DateRange:
    """The days a caller asked for: ``end`` defaults to today, ``start`` to 29 days before
    ``end``."""
    end = end or today
    start = start or end - timedelta(days=29)
    if end < start:
        raise ValidationError("end is before start.", field="end")
    if (end - start).days >= MAX_DAYS:
        raise ValidationError("Ask for at most three years at a time.", field="start")
    return DateRange("custom", start, end, zone)


def grouped(period: DateRange, currency: str, group_by: str, *, partner_id: int | None = None,
            offer_id: int | None = None) -> list[Row]:
    """Figures by ``day`` (every day of the range), ``offer`` or ``partner`` (those with
    any activity, largest commission first), optionally for one partner and/or offer."""
    if group_by == "day":
        return daily(period, currency, partner_id, offer_id)
    if group_by == "offer":
        return _breakdown(DailyStat.offer_id, Offer.name, period, currency,
                          partner_id=partner_id, offer_id=offer_id)
    if group_by == "partner":
        return _breakdown(DailyStat.partner_id, Partner.name, period, currency,
                          joins=[(Partner, Partner.id == DailyStat.partner_id)],
                          partner_id=partner_id, offer_id=offer_id)
    raise ValidationError("Group by day, offer or partner.", field="group_by")


def by_group(period: DateRange, currency: str) -> list[Row]:
    """Per partner group (the partner's current group; "No group" when none)."""
    rows = _breakdown(PartnerGroup.id, PartnerGroup.name, period, currency,
                      joins=[(Partner, Partner.id == DailyStat.partner_id),
                             (PartnerGroup, PartnerGroup.id == Partner.group_id)])
    return [r if r.key is not None else Row(None, "No group", r.clicks, r.conversions,
                                            r.revenue, r.commission) for r in rows]


def by_sub1(period: DateRange, currency: str, partner_id: int, limit: int = 20) -> list[Row]:
    rows = _breakdown(DailyStat.sub1, DailyStat.sub1, period, currency, partner_id=partner_id,
                      limit=limit)
    return [Row(r.key, r.label or "(none)", r.clicks, r.conversions, r.revenue, r.commission)
            for r in rows]


def commissions_by_status(currency: str, partner_id: int) -> dict[str, tuple[int, Decimal]]:
    return {status: (n, _money(amount)) for status, n, amount in db.session.execute(
        select(Commission.status, func.count(), func.coalesce(func.sum(Commission.amount), 0))
        .where(Commission.partner_id == partner_id, Commission.currency == currency)
        .group_by(Commission.status))}


def first_and_last_day(partner_id: int) -> tuple[date | None, date | None]:
    return db.session.execute(select(func.min(DailyStat.day), func.max(DailyStat.day))
                              .where(and_(DailyStat.partner_id == partner_id))).one()
