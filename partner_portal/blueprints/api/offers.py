"""Offers and their caps over the API."""

from __future__ import annotations

from sqlalchemy import select

from ...extensions import db
from ...models import Offer, Partner
from ...models.base import utcnow
from ...models.caps import Cap
from ...services import cap_admin, offers
from ...services.errors import NotFound, ValidationError
from ...services.money import round_money
from . import ID, bp
from .conversions import api_actor
from .cursor_paging import listing, where_given
from .schemas import (
    CapCreate,
    CapList,
    CapOut,
    CommissionTermsOut,
    OfferCreate,
    OfferOut,
    OfferPage,
    OfferQuery,
)
from .spec import current_json, current_query, operation


def _plain(value) -> str:
    """A decimal without trailing zeros: "10" for a 10 % rate, "12.5" for 12.50."""
    text = format(value.normalize(), "f")
    return text


def offer_out(o: Offer) -> OfferOut:
    value = o.default_commission_value
    return OfferOut(
        id=o.id, name=o.name, description=o.description, status=o.status,
        destination_url=o.destination_url,
        allowed_domains=[d for d in (o.allowed_domains or "").split("\n") if d],
        currency=o.currency, cookie_window_days=o.cookie_window_days, hold_days=o.hold_days,
        attribution_model=o.attribution_model, fallback_url=o.fallback_url,
        commission=CommissionTermsOut(
            kind=o.default_commission_kind,
            value=_plain(value) if o.default_commission_kind == "percent"
            else str(round_money(value, o.currency))),
        created_at=o.created_at)


def cap_out(c: Cap, currency: str) -> CapOut:
    limit = (str(round_money(c.limit_value, currency)) if c.metric == "commission"
             else str(int(c.limit_value)))
    return CapOut(id=c.id, offer_id=c.offer_id, metric=c.metric, period=c.period,
                  scope=c.scope, partner_id=c.partner_id, group_id=c.group_id, limit=limit,
                  caps_conversions=c.caps_conversions, redirects_clicks=c.redirects_clicks,
                  is_active=c.is_active)


def _offer(offer_id: int) -> Offer:
    offer = offers.get_offer(offer_id)
    if offer is None:
        raise NotFound("No such offer.", field="offer_id")
    return offer


@bp.get("/offers")
@operation("offers:read", tags=("offers",), query=OfferQuery, ok={"HTTP_200": OfferPage})
def list_offers():
    """Offers, oldest first; filter by `status`."""
    q = current_query()
    return listing(where_given(select(Offer), (Offer.status, q.status)), Offer.id, q, offer_out)


@bp.get(f"/offers/<{ID}:offer_id>")
@operation("offers:read", tags=("offers",), ok={"HTTP_200": OfferOut}, not_found=True)
def get_offer(offer_id: int):
    """One offer."""
    return offer_out(_offer(offer_id))


@bp.post("/offers")
@operation("offers:write", tags=("offers",), json=OfferCreate, ok={"HTTP_201": OfferOut})
def create_offer():
    """Create an offer with its default commission (`percent` of the sale or a `flat`
    amount per conversion)."""
    data = current_json()
    offer = offers.create_offer(offers.OfferInput(
        name=data.name, destination_url=data.destination_url, currency=data.currency,
        description=data.description, allowed_domains="\n".join(data.allowed_domains),
        cookie_window_days=data.cookie_window_days, attribution_model=data.attribution_model,
        hold_days=data.hold_days, fallback_url=data.fallback_url, status=data.status,
        default_commission_kind=data.commission.kind,
        default_commission_value=str(data.commission.value)),
        actor=api_actor(), now=utcnow())
    out = offer_out(offer)
    db.session.commit()
    return out, 201


@bp.get(f"/offers/<{ID}:offer_id>/caps")
@operation("offers:read", tags=("offers",), ok={"HTTP_200": CapList}, not_found=True)
def list_caps(offer_id: int):
    """The offer's caps."""
    offer = _offer(offer_id)
    return CapList(data=[cap_out(c, offer.currency) for c in cap_admin.caps_of(offer.id)])


@bp.post(f"/offers/<{ID}:offer_id>/caps")
@operation("offers:write", tags=("offers",), json=CapCreate, ok={"HTTP_201": CapOut},
           not_found=True)
def create_cap(offer_id: int):
    """Cap the offer: `conversions` (count), `commission` (amount) or `clicks` per `day`,
    `week`, `month` (program time zone) or `lifetime`. Conversions past the cap are
    recorded as capped and earn nothing; clicks past a click cap go to the offer's
    fallback URL."""
    offer = _offer(offer_id)
    data = current_json()
    partner = None
    if data.partner_id is not None:
        partner = db.session.get(Partner, data.partner_id)
        if partner is None:
            raise ValidationError("No such partner.", field="partner_id")
    cap = cap_admin.create_cap(offer, cap_admin.CapInput(
        metric=data.metric, period=data.period, limit=str(data.limit), scope=data.scope,
        group_id=data.group_id, partner=partner.ref if partner else None,
        caps_conversions=data.caps_conversions, redirects_clicks=data.redirects_clicks),
        actor=api_actor(), now=utcnow())
    out = cap_out(cap, offer.currency)
    db.session.commit()
    return out, 201
