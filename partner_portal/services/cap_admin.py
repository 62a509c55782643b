"""Editing caps and reading their usage (for the admin's cap pages and the partner's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..extensions import db
from ..models import Cap, CapUsage, Offer, Partner, PartnerGroup
from ..models.caps import CAP_METRICS, CAP_PERIODS, CAP_SCOPES
from . import audit
from .caps import applies, describe, describe_amount, limit_units, partner_key
from .commission_plans import find_partner
from .commission_rules.base import parse_decimal, parse_int
from .errors import NotFound, ValidationError
from .money import minor_units
from .periods import period_bounds, period_key
from .program import program_zone

FIELDS = ("metric", "period", "scope", "partner_id", "group_id", "limit_value",
          "caps_conversions", "redirects_clicks", "is_active")


@dataclass
class CapInput:
    metric: str
    period: str
    limit: str | Decimal | int
    scope: str = "offer"
    group_id: int | None = None
    partner: str | None = None  # id, reference or email; empty with scope offer_partner: each partner
    caps_conversions: bool = True
    redirects_clicks: bool = False
    is_active: bool = True


def _clean(offer: Offer, inp: CapInput) -> dict:
    if inp.metric not in CAP_METRICS:
        raise ValidationError("Choose conversions, commission or clicks.", field="metric")
    if inp.period not in CAP_PERIODS:
        raise ValidationError("Choose day, week, month or lifetime.", field="period")
    if inp.scope not in CAP_SCOPES:
        raise ValidationError("Choose whom the cap counts.", field="scope")
    if inp.metric == "commission":
        limit = parse_decimal(inp.limit, "limit", places=minor_units(offer.currency),
                              minimum=Decimal("0.0001"), maximum=Decimal("1e12"),
                              what="an amount")
        if limit <= 0:
            raise ValidationError("Enter an amount above zero.", field="limit")
    else:
        limit = Decimal(parse_int(inp.limit, "limit", maximum=10**12, what="a whole number"))
    group_id = partner_id = None
    if inp.scope == "group":
        if not inp.group_id or db.session.get(PartnerGroup, int(inp.group_id)) is None:
            raise ValidationError("Choose a partner group.", field="group_id")
        group_id = int(inp.group_id)
    elif inp.scope == "offer_partner" and (inp.partner or "").strip():
        partner_id = find_partner(inp.partner).id
    caps_conversions = bool(inp.caps_conversions) and inp.metric != "clicks"
    redirects = bool(inp.redirects_clicks) or inp.metric == "clicks"
    if not caps_conversions and not redirects:
        raise ValidationError("Choose what happens at the cap.", field="caps_conversions")
    if redirects and not offer.fallback_url:
        raise ValidationError("Set the offer's fallback URL first: clicks past the cap go there.",
                              field="redirects_clicks")
    return {"metric": inp.metric, "period": inp.period, "scope": inp.scope, "group_id": group_id,
            "partner_id": partner_id, "limit_value": limit, "caps_conversions": caps_conversions,
            "redirects_clicks": redirects, "is_active": bool(inp.is_active)}


def create_cap(offer: Offer, inp: CapInput, *, actor: audit.Actor, now: datetime) -> Cap:
    cap = Cap(offer_id=offer.id, created_at=now, updated_at=now, **_clean(offer, inp))
    db.session.add(cap)
    db.session.flush()
    audit.record(actor, "cap.create", "cap", cap.id, after=audit.snapshot(cap, FIELDS),
                 note=describe(cap, offer.currency), now=now)
    return cap


def update_cap(cap: Cap, inp: CapInput, *, actor: audit.Actor, now: datetime) -> Cap:
    """Takes effect with the next conversion or click: caps are read on every use."""
    values = _clean(cap.offer, inp)
    before = audit.snapshot(cap, FIELDS)
    for name, value in values.items():
        setattr(cap, name, value)
    cap.updated_at = now
    db.session.flush()
    after = audit.snapshot(cap, FIELDS)
    changed = {k for k in after if after[k] != before[k]}
    if changed:
        audit.record(actor, "cap.update", "cap", cap.id, before={k: before[k] for k in changed},
                     after={k: after[k] for k in changed}, note=describe(cap, cap.offer.currency),
                     now=now)
    return cap


def delete_cap(cap: Cap, *, actor: audit.Actor, now: datetime) -> None:
    before = audit.snapshot(cap, FIELDS)
    note = describe(cap, cap.offer.currency)
    cap_id = cap.id
    db.session.delete(cap)
    db.session.flush()
    audit.record(actor, "cap.delete", "cap", cap_id, before=before, note=note, now=now)


def get_cap(offer: Offer, cap_id: int) -> Cap:
    cap = db.session.get(Cap, cap_id)
    if cap is None or cap.offer_id != offer.id:
        raise NotFound("No such cap on this offer.")
    return cap


@dataclass
class Usage:
    """One counter as a page shows it: "7 of 10", and how full it is."""

    cap: Cap
    used: int
    limit: int
    label: str  # "7 of 10" or "$70.00 of $100.00"
    who: str | None  # the partner, for per-partner caps
    period_label: str

    @property
    def percent(self) -> int:
        return min(100, int(self.used * 100 // self.limit)) if self.limit else 0

    @property
    def step(self) -> int:
        """The bar's width class: 0, 2 (a sliver for anything above nothing), 5, 10 … 100."""
        if self.used <= 0:
            return 0
        return max(2, self.percent // 5 * 5)

    @property
    def level(self) -> str:
        return "full" if self.used >= self.limit else "high" if self.percent >= 80 else "ok"


def period_label(period: str, now: datetime, zone: ZoneInfo) -> str:
    """The period holding ``now`` in the program's words: "November 2026", "Nov 23 – Nov 29,
    2026", "Mon Nov 23, 2026" or "lifetime"."""
    start, end = period_bounds(period, now, zone)
    if start is None:
        return "lifetime"
    start, last = start.astimezone(zone), (end - timedelta(seconds=1)).astimezone(zone)
    if period == "month":
        return start.strftime("%B %Y")
    if period == "day":
        return start.strftime("%a %b %d, %Y")
    return f"{start:%b %d} – {last:%b %d, %Y}"


def _usage(cap: Cap, used: int, who: str | None, now: datetime, zone) -> Usage:
    limit = limit_units(cap)
    currency = cap.offer.currency
    return Usage(cap, used, limit, f"{describe_amount(cap, used, currency)} of "
                 f"{describe_amount(cap, limit, currency)}", who, period_label(cap.period, now, zone))


def usage(cap: Cap, now: datetime, *, top: int = 5) -> list[Usage]:
    """The cap's counters for the current period: one for a shared cap; for a cap that
    counts each partner separately, the fullest ``top``."""
    zone = program_zone()
    key = period_key(cap.period, now, zone)
    rows = list(db.session.scalars(select(CapUsage).where(CapUsage.cap_id == cap.id,
                                                          CapUsage.period_key == key)
                                   .order_by(CapUsage.used.desc(), CapUsage.partner_key)))
    if cap.scope != "offer_partner" or cap.partner_id:
        used = sum(r.used for r in rows)
        return [_usage(cap, used, None, now, zone)]
    names = {p.id: p.public_name for p in db.session.scalars(
        select(Partner).where(Partner.id.in_([r.partner_key for r in rows[:top]])))}
    return [_usage(cap, r.used, names.get(r.partner_key, f"partner {r.partner_key}"), now, zone)
            for r in rows[:top]]


def caps_of(offer_id: int | None = None) -> list[Cap]:
    query = select(Cap).order_by(Cap.offer_id, Cap.id)
    if offer_id is not None:
        query = query.where(Cap.offer_id == offer_id)
    return list(db.session.scalars(query))


def partner_usage(partner: Partner, offer: Offer, now: datetime) -> list[Usage]:
    """The active caps that count ``partner`` on ``offer``, with what the partner sees of
    them: their own counter for per-partner caps, the shared counter otherwise."""
    zone = program_zone()
    result = []
    for cap in caps_of(offer.id):
        if not cap.is_active or not applies(cap, partner.id, partner.group_id):
            continue
        used = db.session.scalar(select(CapUsage.used).where(
            CapUsage.cap_id == cap.id, CapUsage.period_key == period_key(cap.period, now, zone),
            CapUsage.partner_key == partner_key(cap, partner.id))) or 0
        result.append(_usage(cap, used, None, now, zone))
    return result
