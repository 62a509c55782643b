"""Where a conversion stands in its partner's month (and lifetime) on an offer.

Volume tiers and milestones need each conversion's exact number: the 51st sale of the
month pays the higher tier, the 100th ever earns the bonus. ``take`` hands out those
numbers with atomic counter updates, so 50 conversions racing across a threshold get the
numbers 1 to 50, each once. A conversion that is then capped hands its number back
(``give_back``) in the same transaction, before anyone else can see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select, update

from ..extensions import db
from ..models import PartnerVolume
from ..models.caps import UNITS_PER_MONEY
from .counters import bump
from .periods import LIFETIME_KEY, month_label, period_key


@dataclass(frozen=True)
class Position:
    month_key: str
    month_label: str
    month_position: int
    month_amount_before: Decimal
    lifetime_position: int


def to_units(amount: Decimal) -> int:
    return int((Decimal(amount) * UNITS_PER_MONEY).to_integral_value())


def from_units(units: int) -> Decimal:
    return Decimal(units) / UNITS_PER_MONEY


def _bump(partner_id: int, offer_id: int, event: str, key: str, count: int, units: int):
    key_cols = {"partner_id": partner_id, "offer_id": offer_id, "event": event, "period_key": key}
    return bump(PartnerVolume, key_cols, {"conversions": count, "amount_units": units},
                ("conversions", "amount_units"), create={"conversions": 0, "amount_units": 0})


_table = PartnerVolume.__table__
# Both of a conversion's counters (its month and lifetime) in one statement. Every writer
# locks the two rows through the same unique index and in its order (a month's key,
# "2026-11", sorts before LIFETIME_KEY), as when they were changed one at a time, so
# concurrent writers never wait for each other in opposite orders.
_BOTH = (update(_table)
         .where(_table.c.partner_id == bindparam("p"), _table.c.offer_id == bindparam("o"),
                _table.c.event == bindparam("e"),
                _table.c.period_key.in_([bindparam("month"), bindparam("life")]))
         .values(conversions=_table.c.conversions + bindparam("n"),
                 amount_units=_table.c.amount_units + bindparam("u"))
         .returning(_table.c.period_key, _table.c.conversions, _table.c.amount_units))


def _bump_both(partner_id: int, offer_id: int, event: str, month: str, count: int,
               units: int) -> dict[str, tuple[int, int]]:
    """Change the month's and the lifetime counter; {period key: (conversions, units)}
    after the change. A counter that does not exist yet is created, then changed."""
    rows = {r.period_key: (r.conversions, r.amount_units) for r in db.session.execute(
        _BOTH, {"p": partner_id, "o": offer_id, "e": event, "month": month, "life": LIFETIME_KEY,
                "n": count, "u": units})}
    for key in (month, LIFETIME_KEY):
        if key not in rows:
            rows[key] = tuple(_bump(partner_id, offer_id, event, key, count, units))
    return rows


def take(partner_id: int, offer_id: int, event: str, amount: Decimal, at: datetime,
         zone: ZoneInfo) -> Position:
    """Count one conversion (month first, then lifetime: always the same lock order)."""
    units = to_units(amount)
    key = period_key("month", at, zone)
    rows = _bump_both(partner_id, offer_id, event, key, 1, units)
    (month_count, month_units), (life_count, _) = rows[key], rows[LIFETIME_KEY]
    return Position(key, month_label(at, zone), month_count, from_units(month_units - units),
                    life_count)


def give_back(partner_id: int, offer_id: int, event: str, amount: Decimal, position: Position) -> None:
    _bump_both(partner_id, offer_id, event, position.month_key, -1, -to_units(amount))


def peek(partner_id: int, offer_id: int, event: str, at: datetime, zone: ZoneInfo) -> Position:
    """The position the next conversion would get, without counting it (the simulator)."""
    key = period_key("month", at, zone)
    rows = dict(((r.period_key), r) for r in db.session.scalars(
        select(PartnerVolume).where(PartnerVolume.partner_id == partner_id,
                                    PartnerVolume.offer_id == offer_id,
                                    PartnerVolume.event == event,
                                    PartnerVolume.period_key.in_([key, LIFETIME_KEY]))))
    month, life = rows.get(key), rows.get(LIFETIME_KEY)
    return Position(key, month_label(at, zone), (month.conversions if month else 0) + 1,
                    from_units(month.amount_units) if month else Decimal(0),
                    (life.conversions if life else 0) + 1)
