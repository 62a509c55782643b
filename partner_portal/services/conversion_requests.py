"""Turning a validated conversion report (API JSON or postback query) into a
``ConversionInput``.

Works out the offer when the caller does not name it: from the signed click id, else
from an offer-specific coupon, else the program's only active offer. Every problem is a
``ValidationError`` naming the field; nothing is stored.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Protocol

from sqlalchemy import func, select

from ..extensions import db
from ..models import Offer, Partner
from . import coupons
from .clickids import ClickIdCodec, InvalidClickId
from .conversions import ConversionInput
from .errors import NotFound, ValidationError
from .offer_terms import offer_terms

TOUCH_FIELDS = ("click_id", "coupon_code", "partner_ref")


class ConversionReport(Protocol):
    """A conversion report whose fields are already validated (the API's
    ``ConversionCreate`` schema, for the JSON API and the postback alike)."""

    order_id: str
    amount: Decimal | str | int
    currency: str
    click_id: str | None
    coupon_code: str | None
    partner_ref: str | None
    offer_id: int | None
    event: str
    customer_id: str | None
    occurred_at: datetime | None
    clicked_at: datetime | None


def _offer_id(offer_id: int | None, click_offer: int | None, coupon_code: str | None) -> int:
    if offer_id is not None:
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


def resolve(report: ConversionReport, codec: ClickIdCodec) -> ConversionInput:
    """The report's references looked up: the click id verified, the partner found by
    reference, the offer named or worked out."""
    if not (report.click_id or report.coupon_code or report.partner_ref):
        raise ValidationError("Send one of click_id, coupon_code or partner_ref.", field="click_id")
    click_offer = None
    if report.click_id:
        try:
            click_offer = codec.decode(report.click_id).offer_id
        except InvalidClickId:
            raise ValidationError("click_id is not a valid click id from this program.",
                                  field="click_id") from None
    partner_id = None
    if report.partner_ref:
        partner = db.session.scalar(select(Partner).where(
            func.lower(Partner.ref) == report.partner_ref.lower()))
        if partner is None:
            raise ValidationError("partner_ref does not match any partner.", field="partner_ref")
        partner_id = partner.id
        # The session's identity map holds objects weakly: keeping the partner loaded here
        # lets attribution and the response find it without reading it again.
        db.session.info["pp_reported_partner"] = partner
    return ConversionInput(
        offer_id=_offer_id(report.offer_id, click_offer, report.coupon_code),
        order_id=report.order_id, amount=report.amount, currency=report.currency.upper(),
        event=report.event, partner_id=partner_id, clicked_at=_utc(report.clicked_at),
        click_token=report.click_id, coupon_code=report.coupon_code,
        customer_id=report.customer_id, occurred_at=_utc(report.occurred_at))


def _utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(timezone.utc) if moment is not None else None
