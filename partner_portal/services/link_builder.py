"""The partner's link builder: tracking links with short codes, deep links and sub-IDs,
their QR codes, and per-link figures from the link rollup."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import segno
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import LinkStat, Offer, Partner, TrackingLink
from ..public_urls import public_url
from . import audit
from .errors import Conflict, NotFound, ValidationError
from .links import SUB_KEYS, allowed_hosts, safe_destination

CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to read aloud
CODE_LENGTH = 8
MAX_LINKS_PER_PARTNER = 1000
SUB_MAX = 100


def available_offers(partner: Partner) -> list[Offer]:
    """Offers ``partner`` may promote: the active ones. Every partner page that lists offers,
    links or creatives goes through here, so a restriction of offers to some partner groups
    belongs in this one place."""
    return list(db.session.scalars(select(Offer).where(Offer.status == "active").order_by(Offer.name)))


def available_offer(partner: Partner, offer_id) -> Offer:
    try:
        wanted = int(offer_id)
    except (TypeError, ValueError):
        wanted = None
    offer = next((o for o in available_offers(partner) if o.id == wanted), None)
    if offer is None:
        raise ValidationError("Choose one of the active offers.", field="offer_id")
    return offer


def _clean_sub(name: str, value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > SUB_MAX:
        raise ValidationError(f"Keep {name} to {SUB_MAX} characters.", field=name)
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValidationError(f"{name} cannot contain control characters.", field=name)
    return value


def check_deep_link(offer: Offer, url: str | None) -> str | None:
    url = (url or "").strip()
    if not url:
        return None
    hosts = allowed_hosts(offer)
    if safe_destination(url, hosts) is None:
        listed = ", ".join(sorted(hosts)) or "the offer's own site"
        raise ValidationError(
            f"The deep link must be a full http(s) address on {listed}.", field="url")
    return url


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@dataclass
class BuiltLink:
    link: TrackingLink
    created: bool


def create_link(partner: Partner, offer_id, *, url: str | None = None,
                subs: dict[str, str | None] | None = None, actor: audit.Actor,
                now: datetime) -> BuiltLink:
    """A tracking link for ``partner`` on an active offer, or their existing active link
    with the same offer, deep link and sub-IDs (``created`` False)."""
    offer = available_offer(partner, offer_id)
    deep_link = check_deep_link(offer, url)
    values = {k: _clean_sub(k, (subs or {}).get(k)) for k in SUB_KEYS}
    same = select(TrackingLink).where(
        TrackingLink.partner_id == partner.id, TrackingLink.offer_id == offer.id,
        TrackingLink.is_active.is_(True),
        TrackingLink.deep_link_url.is_(None) if deep_link is None
        else TrackingLink.deep_link_url == deep_link,
        *[getattr(TrackingLink, k).is_(None) if v is None else getattr(TrackingLink, k) == v
          for k, v in values.items()])
    existing = db.session.scalars(same.order_by(TrackingLink.id).limit(1)).first()
    if existing is not None:
        return BuiltLink(existing, False)
    count = db.session.scalar(select(func.count()).select_from(TrackingLink)
                              .where(TrackingLink.partner_id == partner.id))
    if count >= MAX_LINKS_PER_PARTNER:
        raise Conflict(f"You have {count} links, the most allowed. Deactivate or reuse one.",
                       field="offer_id")
    for _attempt in range(5):
        link = TrackingLink(code=new_code(), partner_id=partner.id, offer_id=offer.id,
                            deep_link_url=deep_link, created_at=now, is_active=True, **values)
        try:
            with db.session.begin_nested():
                db.session.add(link)
                db.session.flush()
        except IntegrityError:  # the random code was taken meanwhile: draw another
            continue
        audit.record(actor, "link.create", "tracking_link", link.id, now=now,
                     after={"code": link.code, "offer_id": offer.id, "url": deep_link,
                            **{k: v for k, v in values.items() if v}})
        return BuiltLink(link, True)
    raise Conflict("Could not find a free short code; try again.", field="offer_id")


def get_link(partner: Partner, link_id: int) -> TrackingLink:
    """The partner's own link; anyone else's is ``NotFound``."""
    link = db.session.get(TrackingLink, link_id)
    if link is None or link.partner_id != partner.id:
        raise NotFound("No such link.")
    return link


def set_active(partner: Partner, link_id: int, active: bool, *, actor: audit.Actor,
               now: datetime) -> TrackingLink:
    link = get_link(partner, link_id)
    if link.is_active != active:
        link.is_active = active
        db.session.flush()
        audit.record(actor, "link.activate" if active else "link.deactivate", "tracking_link",
                     link.id, before={"is_active": not active}, after={"is_active": active},
                     now=now)
    return link


def link_url(link: TrackingLink) -> str:
    """The link partners copy and share: ``BASE_URL/r/<code>``."""
    return public_url("tracking.click", code=link.code)


def default_link(partner: Partner, offer_id: int) -> TrackingLink | None:
    """The link a snippet uses for an offer: the partner's plain link (no deep link, no
    sub-IDs) if they have one, else their newest active link for it."""
    links = list(db.session.scalars(select(TrackingLink).where(
        TrackingLink.partner_id == partner.id, TrackingLink.offer_id == offer_id,
        TrackingLink.is_active.is_(True)).order_by(TrackingLink.created_at.desc(),
                                                   TrackingLink.id.desc())))
    plain = [lk for lk in links if lk.deep_link_url is None and not any(
        getattr(lk, k) for k in SUB_KEYS)]
    return (plain or links or [None])[0]


def links_for_offer(partner: Partner, offer_id: int) -> list[TrackingLink]:
    return list(db.session.scalars(select(TrackingLink).where(
        TrackingLink.partner_id == partner.id, TrackingLink.offer_id == offer_id,
        TrackingLink.is_active.is_(True)).order_by(TrackingLink.created_at.desc())))


# --- the list of links, with figures ---------------------------------------------------

@dataclass
class LinkFigures:
    clicks: int = 0
    unique_clicks: int = 0
    conversions: int = 0
    commission: Decimal = field(default_factory=lambda: Decimal("0"))


def links_statement(partner: Partner, *, offer_id: int | None = None, active: bool | None = None):
    stmt = select(TrackingLink).where(TrackingLink.partner_id == partner.id)
    if offer_id:
        stmt = stmt.where(TrackingLink.offer_id == offer_id)
    if active is not None:
        stmt = stmt.where(TrackingLink.is_active.is_(active))
    return stmt.order_by(TrackingLink.created_at.desc(), TrackingLink.id.desc())


def figures_for(partner: Partner, link_ids: list[int], since: date) -> dict[int, LinkFigures]:
    """Each link's clicks, conversions and earnings from ``since`` (a program-zone day)."""
    if not link_ids:
        return {}
    result = {i: LinkFigures() for i in link_ids}
    for link_id, clicks, unique, conversions, commission in db.session.execute(
            select(LinkStat.link_id, func.sum(LinkStat.clicks), func.sum(LinkStat.unique_clicks),
                   func.sum(LinkStat.conversions), func.sum(LinkStat.commission))
            .where(LinkStat.partner_id == partner.id, LinkStat.day >= since,
                   LinkStat.link_id.in_(link_ids))
            .group_by(LinkStat.link_id)):
        result[link_id] = LinkFigures(int(clicks or 0), int(unique or 0), int(conversions or 0),
                                      Decimal(commission or 0))
    return result


# --- QR codes --------------------------------------------------------------------------

QR_KINDS = {"svg": "image/svg+xml", "png": "image/png"}


def qr_code(url: str, kind: str) -> bytes:
    """The link as a QR code image (SVG or PNG), drawn locally by segno."""
    if kind not in QR_KINDS:
        raise ValueError(kind)
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind=kind, scale=10, border=4,
                                    **({"title": url} if kind == "svg" else {}))
    return buffer.getvalue()
