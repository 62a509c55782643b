"""Turning a conversion report (API JSON or postback query) into a ``ConversionInput``.

Works out the offer when the caller does not name it: from the signed click id, else
from an offer-specific coupon, else the program's only active offer. Every problem is a
``ValidationError`` naming the field; nothing is stored.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import func, select

from ..extensions import db
from ..models import Offer, Partner
from . import coupons
from .clickids import ClickIdCodec, InvalidClickId
from .conversions import ConversionInput
from .errors import NotFound, ValidationError
from .offer_terms import offer_terms

TOUCH_FIELDS = ("click_id", "coupon_code", "partner_ref")


def _str(data: dict, name: str, limit: int = 256) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ValidationError(f"{name} must be a string.", field=name)
    value = str(value).strip()
    if len(value) > limit:
        raise ValidationError(f"{name} must be at most {limit} characters.", field=name)
    return value or None


def _timestamp(value, name: str) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be an ISO 8601 date-time with a time zone, "
                              "e.g. 2026-11-23T14:05:00Z.", field=name)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValidationError(f"{name} must be an ISO 8601 date-time with a time zone, "
                              "e.g. 2026-11-23T14:05:00Z.", field=name) from None
    if moment.tzinfo is None:
        raise ValidationError(f"{name} needs a time zone (add Z for UTC).", field=name)
    return moment.astimezone(timezone.utc)


def _offer_id(data: dict, click_offer: int | None, coupon_code: str | None) -> int:
    raw = data.get("offer_id")
    if raw not in (None, ""):
        try:
            offer_id = int(raw)
        except (TypeError, ValueError):
            raise ValidationError("offer_id must be a whole number.", field="offer_id") from None
        if offer_terms(offer_id) is None:
            raise NotFound("No such offer.", field="offer_id")
        if click_offer is not None and click_offer != offer_id:
            raise ValidationError("The click_id belongs to another offer.", field="click_id")
        return offer_id
    if click_offer is not None:
        return click_offer
    if coupon_code:
        coupon = coupons.find(coupon_code)
        if coupon is not None and coupon.offer_id is not None:
            return coupon.offer_id
    active = db.session.scalars(select(Offer.id).where(Offer.status == "active").limit(2)).all()
    if len(active) == 1:
        return active[0]
    raise ValidationError("Say which offer this conversion is for (offer_id).", field="offer_id")


def parse(data: dict, codec: ClickIdCodec) -> ConversionInput:
    if not isinstance(data, dict):
        raise ValidationError("Send a JSON object.", field="body")
    order_id = _str(data, "order_id", 128)
    if not order_id:
        raise ValidationError("order_id is required.", field="order_id")
    if data.get("amount") in (None, ""):
        raise ValidationError("amount is required.", field="amount")
    currency = _str(data, "currency", 3)
    if not currency:
        raise ValidationError("currency is required (ISO 4217, e.g. USD).", field="currency")
    click_id = _str(data, "click_id", 96)
    coupon_code = _str(data, "coupon_code", 64)
    partner_ref = _str(data, "partner_ref", 24)
    if not (click_id or coupon_code or partner_ref):
        raise ValidationError("Send one of click_id, coupon_code or partner_ref.", field="click_id")
    click_offer = None
    if click_id:
        try:
            click_offer = codec.decode(click_id).offer_id
        except InvalidClickId:
            raise ValidationError("click_id is not a valid click id from this program.",
                                  field="click_id") from None
    partner_id = None
    if partner_ref:
        partner = db.session.scalar(select(Partner).where(
            func.lower(Partner.ref) == partner_ref.lower()))
        if partner is None:
            raise ValidationError("partner_ref does not match any partner.", field="partner_ref")
        partner_id = partner.id
        # The session's identity map holds objects weakly: keeping the partner loaded here
        # lets attribution and the response find it without reading it again.
        db.session.info["pp_reported_partner"] = partner
    amount = data["amount"]
    if isinstance(amount, bool) or not isinstance(amount, (str, int, Decimal)):
        raise ValidationError("amount must be a number such as 49.90.", field="amount")
    return ConversionInput(
        offer_id=_offer_id(data, click_offer, coupon_code), order_id=order_id,
        amount=amount, currency=currency.upper(),
        event=(_str(data, "event", 16) or "sale").lower(), partner_id=partner_id,
        clicked_at=_timestamp(data.get("clicked_at"), "clicked_at"), click_token=click_id,
        coupon_code=coupon_code, customer_id=_str(data, "customer_id", 128),
        occurred_at=_timestamp(data.get("occurred_at"), "occurred_at"))
