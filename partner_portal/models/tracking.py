"""Tracking links, clicks and conversions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import MONEY, UTCDateTime, utcnow

CONVERSION_EVENTS = ("sale", "lead", "signup", "renewal")
CONVERSION_STATUSES = ("attributed", "unattributed", "capped", "rejected")
# How an attributed conversion found its partner.
ATTRIBUTION_SOURCES = ("click", "coupon", "partner", "customer")

# The predicate of the partial index on conversions waiting for their click row; queries
# repeat it literally so both databases use the index.
AWAITING_CLICK = "click_row_id IS NULL AND attributed_via = 'click'"

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
BigId = BigInteger().with_variant(db.Integer(), "sqlite")


class TrackingLink(db.Model):
    __tablename__ = "tracking_links"
    __table_args__ = (Index("ix_tracking_links_partner_offer", "partner_id", "offer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    deep_link_url: Mapped[str | None] = mapped_column(String(2000))
    sub1: Mapped[str | None] = mapped_column(String(100))
    sub2: Mapped[str | None] = mapped_column(String(100))
    sub3: Mapped[str | None] = mapped_column(String(100))
    sub4: Mapped[str | None] = mapped_column(String(100))
    sub5: Mapped[str | None] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner = relationship("Partner")
    offer = relationship("Offer")


class Click(db.Model):
    __tablename__ = "clicks"
    __table_args__ = (
        Index("ix_clicks_partner_created", "partner_id", "created_at"),
        Index("ix_clicks_offer_created", "offer_id", "created_at"),
        Index("ix_clicks_ip_created", "ip", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # The signed click token handed to the destination as `click_id`.
    token: Mapped[str] = mapped_column(String(96), unique=True)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("tracking_links.id", ondelete="SET NULL"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(500))
    referer: Mapped[str | None] = mapped_column(String(2000))
    sub1: Mapped[str | None] = mapped_column(String(100))
    sub2: Mapped[str | None] = mapped_column(String(100))
    sub3: Mapped[str | None] = mapped_column(String(100))
    sub4: Mapped[str | None] = mapped_column(String(100))
    sub5: Mapped[str | None] = mapped_column(String(100))
    is_bot: Mapped[bool] = mapped_column(default=False)
    is_unique: Mapped[bool] = mapped_column(default=True)
    # The paid-search click id parameter the visit arrived with (gclid, msclkid, …), if any.
    paid_click_param: Mapped[str | None] = mapped_column(String(16))


class Conversion(db.Model):
    __tablename__ = "conversions"
    __table_args__ = (
        UniqueConstraint("offer_id", "order_id"),
        CheckConstraint("amount >= 0", name="amount_non_negative"),
        CheckConstraint("refunded_amount >= 0", name="refunded_non_negative"),
        CheckConstraint("refunded_amount <= amount", name="refund_within_amount"),
        CheckConstraint("event IN ('sale', 'lead', 'signup', 'renewal')", name="event_valid"),
        CheckConstraint(
            "status IN ('attributed', 'unattributed', 'capped', 'rejected')", name="status_valid"
        ),
        Index("ix_conversions_partner_created", "partner_id", "created_at"),
        Index("ix_conversions_offer_created", "offer_id", "created_at"),
        # Conversions credited through a click id whose click row was not loaded yet (the
        # click loader links and screens them when it arrives); small, since clicks are
        # loaded within seconds.
        Index("ix_conversions_awaiting_click", "created_at",
              sqlite_where=text(AWAITING_CLICK), postgresql_where=text(AWAITING_CLICK)),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="RESTRICT"))
    order_id: Mapped[str] = mapped_column(String(128))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="RESTRICT"))
    click_row_id: Mapped[int | None] = mapped_column(ForeignKey("clicks.id", ondelete="SET NULL"))
    click_token: Mapped[str | None] = mapped_column(String(96))
    clicked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    coupon_code: Mapped[str | None] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(16), default="sale")
    amount: Mapped[Decimal] = mapped_column(MONEY)
    refunded_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3))
    customer_id: Mapped[str | None] = mapped_column(String(128), index=True)
    status: Mapped[str] = mapped_column(String(16), default="attributed")
    status_reason: Mapped[str | None] = mapped_column(Text)
    attributed_via: Mapped[str | None] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set by the first refund (a zero-amount lead can be refunded too).
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    offer = relationship("Offer")
    partner = relationship("Partner")

    @property
    def remaining_amount(self) -> Decimal:
        return self.amount - self.refunded_amount

    @property
    def fully_refunded(self) -> bool:
        return self.refunded_at is not None and self.refunded_amount >= self.amount
