"""Coupon codes: the referred customer's discount, tied to the partner who shared it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class CouponCode(db.Model):
    __tablename__ = "coupon_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"),
                                            index=True)
    # Only for this offer; empty: the code works on every offer.
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    # The code upper-cased: codes are unique and matched case-insensitively.
    code_key: Mapped[str] = mapped_column(String(64), unique=True)
    discount: Mapped[str] = mapped_column(String(200), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner = relationship("Partner")
    offer = relationship("Offer")
