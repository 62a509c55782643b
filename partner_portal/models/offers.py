"""Offers: what partners promote, and where a click lands."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import MONEY, UTCDateTime, utcnow

if TYPE_CHECKING:
    from .partners import PartnerGroup

ATTRIBUTION_MODELS = ("last_click", "first_click")
OFFER_STATUSES = ("active", "paused")

# The partner groups that may promote an offer. No rows: every approved partner may.
offer_groups = Table(
    "offer_groups",
    db.metadata,
    Column("offer_id", ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("partner_groups.id", ondelete="CASCADE"), primary_key=True),
)


class Offer(db.Model):
    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'paused')", name="status_valid"),
        CheckConstraint(
            "attribution_model IN ('last_click', 'first_click')", name="attribution_model_valid"
        ),
        CheckConstraint("cookie_window_days > 0", name="cookie_window_positive"),
        CheckConstraint("hold_days >= 0", name="hold_days_non_negative"),
        CheckConstraint("default_commission_value >= 0", name="commission_value_non_negative"),
        CheckConstraint(
            "default_commission_kind IN ('percent', 'flat')", name="commission_kind_valid"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    destination_url: Mapped[str] = mapped_column(String(2000))
    # Host names (one per line) a deep link may point to, besides the destination's own.
    allowed_domains: Mapped[str] = mapped_column(Text, default="")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    cookie_window_days: Mapped[int] = mapped_column(default=30)
    attribution_model: Mapped[str] = mapped_column(String(16), default="last_click")
    hold_days: Mapped[int] = mapped_column(default=30)
    fallback_url: Mapped[str | None] = mapped_column(String(2000))
    # Whether partners may send paid-search traffic (ads) straight to their links.
    paid_search_allowed: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    default_commission_kind: Mapped[str] = mapped_column(String(16), default="percent")
    default_commission_value: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("10"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    groups: Mapped[list[PartnerGroup]] = relationship(secondary=offer_groups,
                                                      order_by="PartnerGroup.name")
    window_overrides: Mapped[list[OfferWindow]] = relationship(
        back_populates="offer", cascade="all, delete-orphan")

    @property
    def allowed_domain_list(self) -> list[str]:
        return [d.strip().lower() for d in self.allowed_domains.splitlines() if d.strip()]

    def __repr__(self) -> str:
        return f"<Offer {self.id} {self.name}>"


class OfferWindow(db.Model):
    """A partner group's own cookie window on an offer (overrides the offer's)."""

    __tablename__ = "offer_windows"
    __table_args__ = (CheckConstraint("cookie_window_days > 0", name="days_positive"),)

    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"),
                                          primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("partner_groups.id", ondelete="CASCADE"),
                                          primary_key=True)
    cookie_window_days: Mapped[int]

    offer: Mapped[Offer] = relationship(back_populates="window_overrides")
    group: Mapped[PartnerGroup] = relationship()
