"""Keeping the daily rollups current, and rebuilding them from the raw tables."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from ..extensions import db
from ..models import Click, Commission, Conversion, DailyStat, LinkStat
from .inserts import insert_text
from .locking import for_update
from .program import program_zone

COUNTERS = ("clicks", "unique_clicks", "bot_clicks", "conversions", "revenue", "commission")
# What the per-link rollup keeps (a link's offer fixes its currency).
LINK_COUNTERS = ("clicks", "unique_clicks", "conversions", "commission")


def local_day(moment: datetime, zone: ZoneInfo | None = None) -> date:
    return moment.astimezone(zone or program_zone()).date()


class RollupBatch:
    """Collects increments in memory and writes them as one upsert per (day, offer,
    partner, sub1) key, and per (day, link) when the event came through a tracking link."""

    def __init__(self, zone: ZoneInfo | None = None):
        self.zone = zone or program_zone()
        self._rows: dict[tuple, dict[str, int | Decimal]] = defaultdict(dict)
        self._link_rows: dict[tuple, dict[str, int | Decimal]] = defaultdict(dict)

    def add(self, *, at: datetime, offer_id: int, partner_id: int, sub1: str | None = None,
            link_id: int | None = None, **increments) -> None:
        day = local_day(at, self.zone)
        row = self._rows[(day, offer_id, partner_id, (sub1 or "")[:100])]
        for name, value in increments.items():
            if name not in COUNTERS:
                raise ValueError(f"unknown rollup counter {name}")
            row[name] = row.get(name, 0) + value
        if link_id is not None:
            link_row = self._link_rows[(day, link_id, partner_id)]
            for name, value in increments.items():
                if name in LINK_COUNTERS:
                    link_row[name] = link_row.get(name, 0) + value

    def flush(self) -> int:
        if not self._rows:
            return 0
        for (day, offer_id, partner_id, sub1), increments in self._rows.items():
            values = {c: increments.get(c, 0) for c in COUNTERS}
            db.session.execute(_upsert("daily", tuple(c for c in COUNTERS if c in increments)),
                               dict(day=day, offer_id=offer_id, partner_id=partner_id, sub1=sub1,
                                    **values))
        for (day, link_id, partner_id), increments in self._link_rows.items():
            if not increments:
                continue
            values = {c: increments.get(c, 0) for c in LINK_COUNTERS}
            db.session.execute(_upsert("link", tuple(c for c in LINK_COUNTERS if c in increments)),
                               dict(day=day, link_id=link_id, partner_id=partner_id, **values))
        written = len(self._rows)
        self._rows.clear()
        self._link_rows.clear()
        return written


_UPSERTS: dict[tuple, object] = {}


def _upsert(kind: str, changed: tuple[str, ...]):
    """INSERT … ON CONFLICT DO UPDATE adding the ``changed`` counters, built once per shape
    (this runs on every conversion and click load) and executed with bound values. Written
    as text with typed parameters: SQLAlchemy does not cache the compiled form of its
    ``on_conflict_do_update`` constructs (see ``inserts.insert_text``)."""
    dialect = db.session.get_bind().dialect
    shape = (kind, changed, dialect.name)
    stmt = _UPSERTS.get(shape)
    if stmt is None:
        if kind == "daily":
            table, keys = DailyStat.__table__, ["day", "offer_id", "partner_id", "sub1"]
            columns = ["day", "offer_id", "partner_id", "sub1", *COUNTERS]
        else:
            table, keys = LinkStat.__table__, ["link_id", "day"]
            columns = ["day", "link_id", "partner_id", *LINK_COUNTERS]
        sets = ", ".join(f"{c} = {table.name}.{c} + excluded.{c}" for c in changed)
        stmt = insert_text(table, columns, f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}",
                           dialect=dialect)
        _UPSERTS[shape] = stmt
    return stmt


def rebuild(*, since: date | None = None) -> int:
    """Recompute the rollups from clicks, conversions and commissions (all days, or from
    ``since`` on). Safe to run at any time inside one transaction."""
    zone = program_zone()
    for model in (DailyStat, LinkStat):
        if since is None:
            db.session.execute(delete(model))
        else:
            db.session.execute(delete(model).where(model.day >= since))
    batch = RollupBatch(zone)

    def include(moment: datetime) -> bool:
        return since is None or local_day(moment, zone) >= since

    for at, offer_id, partner_id, sub1, link_id, is_bot, is_unique in db.session.execute(
            select(Click.created_at, Click.offer_id, Click.partner_id, Click.sub1, Click.link_id,
                   Click.is_bot, Click.is_unique).execution_options(yield_per=5000)):
        if include(at):
            batch.add(at=at, offer_id=offer_id, partner_id=partner_id, sub1=sub1, link_id=link_id,
                      clicks=0 if is_bot else 1, unique_clicks=1 if (is_unique and not is_bot) else 0,
                      bot_clicks=1 if is_bot else 0)
    for at, offer_id, partner_id, sub1, link_id, amount, refunded in db.session.execute(
            select(Conversion.occurred_at, Conversion.offer_id, Conversion.partner_id,
                   Click.sub1, Click.link_id, Conversion.amount, Conversion.refunded_amount)
            .outerjoin(Click, Click.id == Conversion.click_row_id)
            .where(Conversion.status == "attributed", Conversion.partner_id.is_not(None))):
        if include(at):
            batch.add(at=at, offer_id=offer_id, partner_id=partner_id, sub1=sub1, link_id=link_id,
                      conversions=1, revenue=Decimal(amount) - Decimal(refunded))
    for created, occurred, offer_id, partner_id, sub1, link_id, clicker, amount in db.session.execute(
            select(Commission.created_at, Conversion.occurred_at, Commission.offer_id,
                   Commission.partner_id, Click.sub1, Click.link_id, Click.partner_id,
                   Commission.amount)
            .outerjoin(Conversion, Conversion.id == Commission.conversion_id)
            .outerjoin(Click, Click.id == Conversion.click_row_id)
            .where(Commission.status != "rejected", Commission.offer_id.is_not(None))
            .execution_options(yield_per=5000)):
        at = occurred or created
        if include(at):
            # A tier-2 share goes to the recruiting partner: it was not earned on their link.
            own = link_id if partner_id == clicker else None
            batch.add(at=at, offer_id=offer_id, partner_id=partner_id, sub1=sub1, link_id=own,
                      commission=Decimal(amount))
    return batch.flush()


# --- keeping the rollups current as conversions and commissions change ---------------------

def _context(conversion):
    """(day anchor, sub1, link id, the clicking partner) for a conversion's rollup rows."""
    if conversion is None:
        return None, None, None, None
    sub1 = link_id = clicker = None
    if conversion.click_row_id:
        row = db.session.execute(select(Click.sub1, Click.link_id, Click.partner_id)
                                 .where(Click.id == conversion.click_row_id)).first()
        if row is not None:
            sub1, link_id, clicker = row
    return conversion.occurred_at, sub1, link_id, clicker


def _add_commission(batch: RollupBatch, commission, conversion, context, sign: int) -> None:
    if commission.offer_id is None:
        return
    at, sub1, link_id, clicker = context
    own = link_id if commission.partner_id == clicker else None
    batch.add(at=at or commission.created_at, offer_id=commission.offer_id,
              partner_id=commission.partner_id, sub1=sub1, link_id=own,
              commission=sign * Decimal(commission.amount))


def conversion_recorded(conversion, commissions) -> None:
    """A new conversion: counted if attributed; its commissions (not rejected) added."""
    batch = RollupBatch()
    context = _context(conversion)
    at, sub1, link_id, _clicker = context
    if conversion.status == "attributed" and conversion.partner_id is not None:
        batch.add(at=at, offer_id=conversion.offer_id, partner_id=conversion.partner_id,
                  sub1=sub1, link_id=link_id, conversions=1, revenue=Decimal(conversion.amount))
    for commission in commissions:
        if commission.status != "rejected":
            _add_commission(batch, commission, conversion, context, +1)
    batch.flush()


def refund_recorded(conversion, refunded: Decimal, adjustments, rejected) -> None:
    batch = RollupBatch()
    context = _context(conversion)
    at, sub1, link_id, _clicker = context
    if conversion.status == "attributed" and conversion.partner_id is not None and refunded:
        batch.add(at=at, offer_id=conversion.offer_id, partner_id=conversion.partner_id,
                  sub1=sub1, link_id=link_id, revenue=-Decimal(refunded))
    for adjustment in adjustments:
        _add_commission(batch, adjustment, conversion, context, +1)
    for commission in rejected:
        _add_commission(batch, commission, conversion, context, -1)
    batch.flush()


def conversion_linked(conversion) -> None:
    """A conversion recorded before its click was loaded now points at that click: move
    what it counts (the conversion, its revenue after refunds, its commissions that are not
    rejected) from the rows it was counted under, with no sub-ID and no link, to its
    click's sub-ID and link, as ``rebuild`` counts it."""
    counted_under = (conversion.occurred_at, None, None, None)
    moved_to = _context(conversion)
    if moved_to == counted_under:
        return
    # Locked: a decision made on one of them meanwhile waits, then counts under the click.
    rows = [c for c in db.session.scalars(for_update(select(Commission).where(
        Commission.conversion_id == conversion.id).order_by(Commission.id)))
        if c.status != "rejected"]
    batch = RollupBatch()
    for context, sign in ((counted_under, -1), (moved_to, +1)):
        at, sub1, link_id, _clicker = context
        if conversion.status == "attributed" and conversion.partner_id is not None:
            batch.add(at=at, offer_id=conversion.offer_id, partner_id=conversion.partner_id,
                      sub1=sub1, link_id=link_id, conversions=sign,
                      revenue=sign * (Decimal(conversion.amount) - Decimal(conversion.refunded_amount)))
        for commission in rows:
            _add_commission(batch, commission, conversion, context, sign)
    batch.flush()


def commission_rejected(commission) -> None:
    """A commission (or adjustment) that counted is now rejected: take it out."""
    batch = RollupBatch()
    conversion = commission.conversion
    _add_commission(batch, commission, conversion, _context(conversion), -1)
    batch.flush()
