"""Double-sided referral: coupon codes that give the referred customer a discount and
credit the conversion to the partner who shared the code. Codes are unique and matched
without regard to case."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import CouponCode, Offer, Partner
from . import audit
from .errors import Conflict, NotFound, ValidationError

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,31}$")


def normalise(code: str | None) -> str:
    return (code or "").strip().upper()


def find(code: str | None) -> CouponCode | None:
    key = normalise(code)
    if not key:
        return None
    return db.session.scalar(select(CouponCode).where(CouponCode.code_key == key))


def resolve(code: str | None, offer_id: int) -> CouponCode | None:
    """The active coupon for ``code`` that works on ``offer_id``, or None."""
    coupon = find(code)
    if coupon is None or not coupon.is_active:
        return None
    if coupon.offer_id is not None and coupon.offer_id != offer_id:
        return None
    return coupon


def suggest_code(partner: Partner) -> str:
    """A free code made from the partner's name, such as ``ADA-7K3``."""
    stem = re.sub(r"[^A-Z0-9]", "", normalise(partner.public_name).split(" ")[0])[:12] or "PARTNER"
    while True:
        code = f"{stem}-{secrets.token_hex(2).upper()}"
        if find(code) is None:
            return code


def create(partner: Partner, code: str | None, discount: str, *, offer: Offer | None = None,
           actor: audit.Actor, now: datetime) -> CouponCode:
    code = (code or "").strip() or suggest_code(partner)
    if not _CODE.match(code):
        raise ValidationError("Use 3 to 32 letters, digits, hyphens or underscores, starting "
                              "with a letter or digit.", field="code")
    discount = (discount or "").strip()
    if not discount:
        raise ValidationError("Describe the customer's discount, such as \u201c10% off the first "
                              "order\u201d.", field="discount")
    if len(discount) > 200:
        raise ValidationError("Use at most 200 characters.", field="discount")
    if partner.status != "approved":
        raise ValidationError("Only approved partners can have coupon codes.", field="partner")
    if find(code) is not None:
        raise Conflict(f"The code {code.upper()} is taken (codes ignore case).", field="code")
    coupon = CouponCode(partner_id=partner.id, offer_id=offer.id if offer else None, code=code,
                        code_key=normalise(code), discount=discount, created_at=now)
    try:
        with db.session.begin_nested():  # someone may have taken the code since the check
            db.session.add(coupon)
            db.session.flush()
    except IntegrityError:
        raise Conflict(f"The code {code.upper()} is taken (codes ignore case).", field="code") from None
    audit.record(actor, "coupon.create", "coupon", coupon.id,
                 after={"code": code, "partner_id": partner.id, "discount": discount,
                        "offer_id": coupon.offer_id}, now=now)
    return coupon


def take_for_partner(partner: Partner, *, actor: audit.Actor, now: datetime) -> CouponCode:
    """A partner takes their own code, with the program's standard customer discount. One
    code per partner this way: asking again returns the same code."""
    from .program import get_program

    discount = get_program().referral_discount
    if not discount:
        raise ValidationError("The program hands out codes itself; ask the program team.",
                              field="code")
    for coupon in for_partner(partner.id):
        if coupon.is_active and coupon.offer_id is None and coupon.discount == discount:
            return coupon
    return create(partner, None, discount, actor=actor, now=now)


def set_active(coupon_id: int, active: bool, *, actor: audit.Actor, now: datetime) -> CouponCode:
    coupon = db.session.get(CouponCode, coupon_id)
    if coupon is None:
        raise NotFound("No such coupon code.")
    if coupon.is_active != active:
        coupon.is_active = active
        db.session.flush()
        audit.record(actor, "coupon.activate" if active else "coupon.deactivate", "coupon",
                     coupon.id, before={"is_active": not active}, after={"is_active": active},
                     now=now)
    return coupon


def for_partner(partner_id: int) -> list[CouponCode]:
    return list(db.session.scalars(select(CouponCode).where(CouponCode.partner_id == partner_id)
                                   .order_by(CouponCode.created_at, CouponCode.id)))
