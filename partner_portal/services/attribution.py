"""Which partner a conversion belongs to, if any, and why.

A conversion report can carry several touchpoints: a signed click id (partner, offer and
click time inside), a partner reference (with or without a click time), a coupon code
(used at checkout, so at the conversion's time), and for renewals the customer, whose
first sale names the partner. A touchpoint counts when its partner is approved and may
promote the offer, and — for clicks — when the conversion falls inside the cookie window
(the partner's group's window on the offer, else the offer's): fewer whole days after the
click than the window has days, and not before the click (a click later than the
conversion, beyond ``CLICK_CLOCK_SKEW`` for the clocks of two systems, did not lead to it).
Among the touchpoints that count, the offer's attribution model picks the latest (last
click) or the earliest (first click). With none, the conversion is recorded as unattributed with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import bindparam, select

from ..extensions import db
from ..models import Click, Conversion, Offer, Partner
from . import coupons
from .clickids import ClickIdCodec, InvalidClickId
from .offers import cookie_window, group_allowed
from .periods import days_after

# How far a conversion's reported time may be before its click: the shop's clock and ours
# differ a little. A click later than that after the conversion does not count.
CLICK_CLOCK_SKEW = timedelta(minutes=2)

_CLICK_BY_TOKEN = select(Click.__table__.c.id).where(Click.__table__.c.token == bindparam("t"))


@dataclass(frozen=True)
class Touch:
    partner_id: int
    via: str  # click | partner | coupon | customer
    at: datetime | None  # the click's time (None: no time known)
    click_row_id: int | None = None
    coupon: str | None = None


@dataclass
class Attribution:
    partner: Partner | None = None
    via: str | None = None
    clicked_at: datetime | None = None
    days_after_click: int | None = None
    note: str | None = None
    reason: str | None = None  # why the conversion is unattributed
    click_row_id: int | None = None
    coupon: str | None = None


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _days_text(days: int) -> str:
    if days == 0:
        return "less than a day after the click"
    return f"{days} day{'s' if days != 1 else ''} after the click"


def _touches(offer: Offer, *, click_token, partner_id, clicked_at, coupon_code, event,
             customer_id, occurred_at, codec: ClickIdCodec | None, reasons: list[str]) -> list[Touch]:
    touches: list[Touch] = []
    if click_token:
        try:
            claims = codec.decode(click_token) if codec else None
        except InvalidClickId:
            claims = None
            reasons.append("the click_id is not a valid, signed click id")
        if claims is not None and claims.offer_id != offer.id:
            reasons.append("the click_id belongs to another offer")
        elif claims is not None:
            row_id = db.session.execute(_CLICK_BY_TOKEN, {"t": click_token}).scalar()
            touches.append(Touch(claims.partner_id, "click", claims.clicked_at, row_id))
    if partner_id is not None:
        touches.append(Touch(partner_id, "partner", clicked_at))
    if coupon_code:
        coupon = coupons.resolve(coupon_code, offer.id)
        if coupon is None:
            reasons.append(f"the coupon code {coupon_code.strip().upper()} is not an active code "
                           "for this offer")
        else:
            touches.append(Touch(coupon.partner_id, "coupon", occurred_at, coupon=coupon.code))
    if not touches and event == "renewal" and customer_id:
        first = db.session.scalars(
            select(Conversion).where(Conversion.offer_id == offer.id,
                                     Conversion.customer_id == customer_id,
                                     Conversion.status == "attributed")
            .order_by(Conversion.occurred_at, Conversion.id).limit(1)).first()
        if first is not None and first.partner_id is not None:
            touches.append(Touch(first.partner_id, "customer", None))
        else:
            reasons.append(f"no attributed sale on this offer for customer {customer_id}")
    return touches


def _check(offer: Offer, touch: Touch, occurred_at: datetime, reasons: list[str]):
    """(partner, days after click) when the touchpoint counts; else None, with a reason."""
    partner = db.session.get(Partner, touch.partner_id)
    if partner is None:
        reasons.append(f"partner {touch.partner_id} does not exist")
        return None
    if partner.status != "approved":
        reasons.append(f"partner {partner.ref} is {partner.status}, not approved")
        return None
    if not group_allowed(offer, partner.group_id):
        reasons.append(f"partner {partner.ref}'s group may not promote this offer")
        return None
    if touch.via in ("click", "partner") and touch.at is not None:
        if touch.at > occurred_at + CLICK_CLOCK_SKEW:
            reasons.append(f"the click ({_utc(touch.at)}) came after the conversion "
                           f"({_utc(occurred_at)}): a click only counts for a conversion "
                           "after it")
            return None
        days = max(days_after(touch.at, occurred_at), 0)
        window = cookie_window(offer, partner.group_id)
        if days >= window:
            reasons.append(f"the click was {days} days before the conversion, outside the "
                           f"{window}-day cookie window")
            return None
        return partner, days
    return partner, None


def attribute(offer: Offer, *, click_token: str | None, partner_id: int | None,
              clicked_at: datetime | None, coupon_code: str | None, event: str,
              customer_id: str | None, occurred_at: datetime,
              codec: ClickIdCodec | None) -> Attribution:
    reasons: list[str] = []
    touches = _touches(offer, click_token=click_token, partner_id=partner_id,
                       clicked_at=clicked_at, coupon_code=coupon_code, event=event,
                       customer_id=customer_id, occurred_at=occurred_at, codec=codec,
                       reasons=reasons)
    valid = []
    for index, touch in enumerate(touches):
        checked = _check(offer, touch, occurred_at, reasons)
        if checked is not None:
            valid.append((touch.at or occurred_at, index, touch, *checked))
    if not valid:
        reason = "; ".join(reasons) if reasons else "no click_id, coupon code or partner was given"
        return Attribution(reason=reason[0].upper() + reason[1:] + ".")
    pick = max if offer.attribution_model == "last_click" else min
    _at, _i, touch, partner, days = pick(valid, key=lambda v: (v[0], v[1]))
    if touch.via == "coupon":
        note = f"coupon {touch.coupon}"
    elif touch.via == "customer":
        note = "a renewal by a customer this partner referred"
    elif days is not None:
        note = _days_text(days)
    else:
        note = "reported with the partner's reference"
    return Attribution(partner=partner, via=touch.via,
                       clicked_at=touch.at if touch.via in ("click", "partner") else None,
                       days_after_click=days, note=note, click_row_id=touch.click_row_id,
                       coupon=touch.coupon)
