"""Offer caps, enforced exactly.

A cap counts conversions, commission amount or clicks per day, week, month (in the
program's time zone) or lifetime, on an offer, an offer × partner, or a group's partners
on an offer. Counters (``CapUsage``) are integers changed by one conditional
``UPDATE … SET used = used + n WHERE used + n <= limit``: it either fits or it does not,
even when 50 conversions arrive at once. Caps are read on every use, so an edit takes
effect with the next conversion or click.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select

from ..extensions import db
from ..models import Cap, CapUsage, Partner, PartnerGroup
from ..models.caps import UNITS_PER_MONEY
from .counters import bump
from .money import format_money
from .periods import period_bounds, period_key

PERIOD_WORDS = {"day": "daily", "week": "weekly", "month": "monthly", "lifetime": "lifetime"}


def limit_units(cap: Cap) -> int:
    """The limit in counter units: a count, or ten-thousandths of the currency."""
    if cap.metric == "commission":
        return int(Decimal(cap.limit_value) * UNITS_PER_MONEY)
    return int(cap.limit_value)


def units_to_value(cap: Cap, units: int) -> Decimal:
    return Decimal(units) / UNITS_PER_MONEY if cap.metric == "commission" else Decimal(units)


def describe_amount(cap: Cap, units: int | Decimal, currency: str) -> str:
    value = units_to_value(cap, int(units))
    if cap.metric == "commission":
        return format_money(value, currency)
    return f"{int(value):,}"


def describe(cap: Cap, currency: str) -> str:
    """"Monthly conversion cap of 10 on this offer". ``cap`` is the model or a row of it."""
    metric = {"conversions": "conversion", "commission": "commission", "clicks": "click"}[cap.metric]
    limit = describe_amount(cap, limit_units(cap), currency)
    if cap.scope == "offer":
        who = "on this offer"
    elif cap.scope == "group":
        group = db.session.get(PartnerGroup, cap.group_id) if cap.group_id else None
        who = f"for the {group.name if group else ''} group".replace("  ", " ")
    elif cap.partner_id:
        partner = db.session.get(Partner, cap.partner_id)
        who = f"for {partner.public_name if partner else 'one partner'}"
    else:
        who = "per partner"
    return f"{PERIOD_WORDS[cap.period].capitalize()} {metric} cap of {limit} {who}"


def partner_key(cap: Cap, partner_id: int | None) -> int:
    return (partner_id or 0) if cap.scope == "offer_partner" else 0


def applies(cap: Cap, partner_id: int | None, group_id: int | None) -> bool:
    if cap.scope == "offer":
        return True
    if cap.scope == "group":
        return group_id is not None and cap.group_id == group_id
    return partner_id is not None and (cap.partner_id is None or cap.partner_id == partner_id)


_CAPS = Cap.__table__
_ACTIVE = (select(_CAPS).where(_CAPS.c.offer_id == bindparam("offer"), _CAPS.c.is_active.is_(True))
           .order_by(_CAPS.c.id))


def active_caps(offer_id: int, partner_id: int | None, group_id: int | None,
                metrics: tuple[str, ...]) -> list:
    """The caps that count this partner's traffic on the offer, in id order (the lock
    order, so concurrent writers never deadlock). Plain rows with the model's column
    attributes (``id``, ``metric``, ``limit_value`` …), read fresh: building model objects
    costs more than the rest of the cap check. ``db.session.get(Cap, row.id)`` gives the
    model where a message needs its partner or group."""
    return [c for c in db.session.execute(_ACTIVE, {"offer": offer_id})
            if c.metric in metrics and applies(c, partner_id, group_id)]


def _take(cap: Cap, pkey: int, units: int, at: datetime, zone: ZoneInfo, *, enforce: bool):
    """Add ``units`` to the cap's counter for the period holding ``at``; with ``enforce``,
    only if the total stays within the limit. Returns (usage id, used after, alert level)
    or None."""
    key = period_key(cap.period, at, zone)
    start, end = period_bounds(cap.period, at, zone)
    return bump(CapUsage, {"cap_id": cap.id, "period_key": key, "partner_key": pkey},
                {"used": units}, ("id", "used", "alert_level"),
                limit=("used", limit_units(cap)) if enforce else None,
                create={"used": 0, "alert_level": 0, "period_start": start, "period_end": end})


@dataclass
class Taken:
    """Counters a conversion or click took, so they can be given back or checked for
    alerts."""

    # (cap row, partner key, usage id, units taken, used after, alert level seen)
    entries: list[tuple[Cap, int, int, int, int, int]] = field(default_factory=list)
    blocked_by: Cap | None = None

    @property
    def blocked(self) -> bool:
        return self.blocked_by is not None


def _give_back(taken: Taken) -> None:
    for _cap, _pkey, usage_id, units, _used, _level in reversed(taken.entries):
        bump(CapUsage, {"id": usage_id}, {"used": -units}, ("id",))
    taken.entries.clear()


def take_for_conversion(offer_id: int, partner_id: int, group_id: int | None, commission: Decimal,
                        at: datetime, zone: ZoneInfo) -> Taken:
    """Count a conversion (and what it pays) against every cap it falls under. If a cap
    that caps conversions is full, nothing is counted and ``blocked_by`` names it."""
    taken = Taken()
    for cap in active_caps(offer_id, partner_id, group_id, ("conversions", "commission")):
        units = 1 if cap.metric == "conversions" else int(Decimal(commission) * UNITS_PER_MONEY)
        if units == 0:
            continue
        pkey = partner_key(cap, partner_id)
        row = _take(cap, pkey, units, at, zone, enforce=cap.caps_conversions)
        if row is None:
            _give_back(taken)
            taken.blocked_by = cap
            return taken
        taken.entries.append((cap, pkey, row[0], units, row[1], row[2]))
    return taken


def give_back(taken: Taken) -> None:
    _give_back(taken)


def blocked_reason(cap: Cap, currency: str) -> str:
    return f"{describe(cap, currency)} reached."


# --- the click path -------------------------------------------------------------------

def click_allowed(offer_id: int, partner_id: int | None, group_id: int | None, now: datetime,
                  zone: ZoneInfo | None = None) -> bool:
    """False when a cap that sends clicks to the fallback URL is full for this partner
    now. Cheap: one indexed query for the offer's caps, one per applicable counter."""
    caps = [c for c in active_caps(offer_id, partner_id, group_id,
                                   ("conversions", "commission", "clicks"))
            if c.redirects_clicks]
    if not caps:
        return True
    zone = zone or _zone()
    for cap in caps:
        used = db.session.scalar(select(CapUsage.used).where(
            CapUsage.cap_id == cap.id, CapUsage.period_key == period_key(cap.period, now, zone),
            CapUsage.partner_key == partner_key(cap, partner_id)))
        if used is not None and used >= limit_units(cap):
            return False
    return True


def count_click(offer_id: int, partner_id: int | None, group_id: int | None, now: datetime,
                zone: ZoneInfo | None = None) -> bool:
    """Count a click against the click caps it falls under. False (and nothing counted)
    when one of them is full: the click goes to the fallback URL."""
    caps = active_caps(offer_id, partner_id, group_id, ("clicks",))
    if not caps:
        return True
    zone = zone or _zone()
    taken = Taken()
    for cap in caps:
        pkey = partner_key(cap, partner_id)
        row = _take(cap, pkey, 1, now, zone, enforce=True)
        if row is None:
            _give_back(taken)
            return False
        taken.entries.append((cap, pkey, row[0], 1, row[1], row[2]))
    from .cap_alerts import alert_if_crossed

    alert_if_crossed(taken, now)
    return True


def _zone() -> ZoneInfo:
    from .program import program_zone

    return program_zone()
