"""Offers: creating and editing them, who may promote them, and their cookie windows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlsplit

from babel.numbers import list_currencies
from sqlalchemy import func, select

from ..extensions import db
from ..models import Conversion, Offer, OfferWindow, Partner, PartnerGroup
from ..models.offers import ATTRIBUTION_MODELS, OFFER_STATUSES
from . import audit
from .commission_rules.base import parse_decimal, parse_int
from .errors import Conflict, ValidationError
from .money import minor_units

FIELDS = ("name", "description", "destination_url", "allowed_domains", "currency",
          "cookie_window_days", "attribution_model", "hold_days", "fallback_url", "status",
          "default_commission_kind", "default_commission_value")
_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")


@dataclass
class OfferInput:
    name: str
    destination_url: str
    currency: str = "USD"
    description: str = ""
    allowed_domains: str = ""
    cookie_window_days: int | str = 30
    attribution_model: str = "last_click"
    hold_days: int | str = 30
    fallback_url: str | None = None
    status: str = "active"
    default_commission_kind: str = "percent"
    default_commission_value: Decimal | str = "10"
    group_ids: list[int] = field(default_factory=list)
    # group id → its own cookie window in days (None or "": use the offer's)
    windows: dict[int, int | str | None] = field(default_factory=dict)


def clean_url(value: str | None, field_name: str, *, required: bool = True) -> str | None:
    """An absolute http(s) address with a host name, or a ``ValidationError``."""
    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationError("Enter a web address starting with https://.", field=field_name)
        return None
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in value) or "\\" in value:
        raise ValidationError("The address may not contain spaces, backslashes or control "
                              "characters.", field=field_name)
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        raise ValidationError("Enter a valid web address.", field=field_name) from None
    if parts.scheme not in ("http", "https"):
        raise ValidationError("Only http:// and https:// addresses are allowed.", field=field_name)
    if not host or "." not in host or parts.username is not None or parts.password is not None:
        raise ValidationError("Enter a web address with a host name, such as "
                              "https://shop.example.com/page.", field=field_name)
    if len(value) > 2000:
        raise ValidationError("The address is too long (2,000 characters at most).", field=field_name)
    return value


def clean_domains(text: str | None) -> str:
    """One host name per line, lower-cased and de-duplicated; no schemes, paths or ports."""
    hosts: list[str] = []
    for raw in re.split(r"[\s,]+", text or ""):
        host = raw.strip().lower().rstrip(".")
        if not host:
            continue
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValidationError(f"\u201c{raw}\u201d is not a host name.", field="allowed_domains") from None
        if not _HOST.match(host):
            raise ValidationError(f"\u201c{raw}\u201d is not a host name; write one per line, such as "
                                  "shop.example.com (no https:// or path).", field="allowed_domains")
        if host not in hosts:
            hosts.append(host)
    if len(hosts) > 50:
        raise ValidationError("List at most 50 domains.", field="allowed_domains")
    return "\n".join(hosts)


def _choice(value: str, allowed: tuple[str, ...], field_name: str, message: str) -> str:
    if value not in allowed:
        raise ValidationError(message, field=field_name)
    return value


def _clean(inp: OfferInput) -> dict:
    name = (inp.name or "").strip()
    if not name:
        raise ValidationError("Give the offer a name.", field="name")
    if len(name) > 120:
        raise ValidationError("Use at most 120 characters.", field="name")
    currency = (inp.currency or "").strip().upper()
    if currency not in list_currencies():
        raise ValidationError("Choose a currency (an ISO code such as USD or EUR).", field="currency")
    kind = _choice(inp.default_commission_kind, ("percent", "flat"), "default_commission_kind",
                   "Choose percent of the sale or a flat amount.")
    if kind == "percent":
        value = parse_decimal(inp.default_commission_value, "default_commission_value",
                              maximum=Decimal(100), what="a percentage")
    else:
        value = parse_decimal(inp.default_commission_value, "default_commission_value",
                              places=minor_units(currency), maximum=Decimal("1e9"), what="an amount")
    return {
        "name": name,
        "description": (inp.description or "").strip(),
        "destination_url": clean_url(inp.destination_url, "destination_url"),
        "allowed_domains": clean_domains(inp.allowed_domains),
        "currency": currency,
        "cookie_window_days": parse_int(inp.cookie_window_days, "cookie_window_days", maximum=3650),
        "attribution_model": _choice(inp.attribution_model, ATTRIBUTION_MODELS, "attribution_model",
                                     "Choose last click or first click."),
        "hold_days": parse_int(inp.hold_days, "hold_days", minimum=0, maximum=3650),
        "fallback_url": clean_url(inp.fallback_url, "fallback_url", required=False),
        "status": _choice(inp.status, OFFER_STATUSES, "status", "Choose active or paused."),
        "default_commission_kind": kind,
        "default_commission_value": value,
    }


def _groups(ids: list[int]) -> list[PartnerGroup]:
    ids = sorted({int(i) for i in ids or []})
    groups = list(db.session.scalars(select(PartnerGroup).where(PartnerGroup.id.in_(ids)))) if ids else []
    if len(groups) != len(ids):
        raise ValidationError("Choose groups from the list.", field="group_ids")
    return groups


def _windows(offer: Offer, windows: dict) -> None:
    wanted: dict[int, int] = {}
    for group_id, days in (windows or {}).items():
        if days in (None, ""):
            continue
        wanted[int(group_id)] = parse_int(days, f"window_{group_id}", maximum=3650)
    _groups(list(wanted))
    existing = {w.group_id: w for w in offer.window_overrides}
    for group_id, row in existing.items():
        if group_id not in wanted:
            offer.window_overrides.remove(row)
    for group_id, days in wanted.items():
        if group_id in existing:
            existing[group_id].cookie_window_days = days
        else:
            offer.window_overrides.append(OfferWindow(group_id=group_id, cookie_window_days=days))


def _state(offer: Offer) -> dict:
    state = audit.snapshot(offer, FIELDS)
    state["groups"] = sorted(g.name for g in offer.groups)
    state["windows"] = {w.group.name if w.group else str(w.group_id): w.cookie_window_days
                        for w in sorted(offer.window_overrides, key=lambda w: w.group_id)}
    return state


def create_offer(inp: OfferInput, *, actor: audit.Actor, now: datetime) -> Offer:
    values = _clean(inp)
    offer = Offer(**values, created_at=now, updated_at=now)
    offer.groups = _groups(inp.group_ids)
    db.session.add(offer)
    db.session.flush()
    _windows(offer, inp.windows)
    db.session.flush()
    audit.record(actor, "offer.create", "offer", offer.id, after=_state(offer), now=now)
    return offer


def update_offer(offer: Offer, inp: OfferInput, *, actor: audit.Actor, now: datetime) -> Offer:
    values = _clean(inp)
    before = _state(offer)
    if values["currency"] != offer.currency and db.session.scalar(
            select(func.count()).select_from(Conversion).where(Conversion.offer_id == offer.id)):
        raise Conflict(f"This offer already has conversions in {offer.currency}; create a new "
                       "offer for another currency.", field="currency")
    for name, value in values.items():
        setattr(offer, name, value)
    offer.groups = _groups(inp.group_ids)
    _windows(offer, inp.windows)
    offer.updated_at = now
    db.session.flush()
    after = _state(offer)
    changed = {k for k in after if after[k] != before.get(k)}
    if changed:
        audit.record(actor, "offer.update", "offer", offer.id,
                     before={k: before.get(k) for k in changed},
                     after={k: after[k] for k in changed}, now=now)
    return offer


def set_status(offer: Offer, status: str, *, actor: audit.Actor, now: datetime) -> Offer:
    """Pause or reactivate an offer; takes effect with the next click."""
    _choice(status, OFFER_STATUSES, "status", "Choose active or paused.")
    if offer.status != status:
        before = offer.status
        offer.status = status
        offer.updated_at = now
        db.session.flush()
        audit.record(actor, "offer.pause" if status == "paused" else "offer.activate", "offer",
                     offer.id, before={"status": before}, after={"status": status}, now=now)
    return offer


def cookie_window(offer: Offer, group_id: int | None) -> int:
    """The cookie window in days for a partner of ``group_id`` on ``offer``."""
    if group_id is not None:
        for row in offer.window_overrides:
            if row.group_id == group_id:
                return row.cookie_window_days
    return offer.cookie_window_days


def group_allowed(offer: Offer, group_id: int | None) -> bool:
    """No groups listed: every partner may promote the offer."""
    return not offer.groups or any(g.id == group_id for g in offer.groups)


def can_promote(offer: Offer, partner: Partner) -> bool:
    return partner.status == "approved" and group_allowed(offer, partner.group_id)


def offers_for(partner: Partner) -> list[Offer]:
    """The active offers ``partner`` may promote."""
    offers = db.session.scalars(select(Offer).where(Offer.status == "active").order_by(Offer.name))
    return [o for o in offers if can_promote(o, partner)]


def get_offer(offer_id: int) -> Offer | None:
    return db.session.get(Offer, offer_id)
