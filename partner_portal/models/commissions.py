"""Commissions: what a partner earns. History is never edited; refunds add adjustments."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import MONEY, UTCDateTime, utcnow
from .tracking import BigId

COMMISSION_STATUSES = ("pending", "approved", "paid", "rejected", "hold")
COMMISSION_KINDS = ("conversion", "tier2", "bonus", "adjustment")


class Commission(db.Model):
    __tablename__ = "commissions"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'approved', 'paid', 'rejected', 'hold')", name="status_valid"
        ),
        CheckConstraint(
            "kind IN ('conversion', 'tier2', 'bonus', 'adjustment')", name="kind_valid"
        ),
        # Only adjustments may be negative; everything else earns zero or more.
        CheckConstraint("kind = 'adjustment' OR amount >= 0", name="amount_sign"),
        # One commission and one tier-2 share per partner and conversion (retries cannot
        # duplicate them). Bonuses and adjustments may be several per conversion.
        Index("ux_commissions_conversion_partner_kind", "conversion_id", "partner_id", "kind",
              unique=True, sqlite_where=text("kind IN ('conversion', 'tier2')"),
              postgresql_where=text("kind IN ('conversion', 'tier2')")),
        Index("ix_commissions_partner_status", "partner_id", "status"),
        # A partner's own list, and their dashboard's figures by status for a period, read
        # from the index alone (it carries status, currency and amount).
        Index("ix_commissions_partner_created", "partner_id", "created_at", "status", "currency",
              "amount"),
        Index("ix_commissions_status_payable", "status", "payable_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="RESTRICT"))
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id", ondelete="RESTRICT"))
    conversion_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversions.id", ondelete="RESTRICT")
    )
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("commissions.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), default="conversion")
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    status_reason: Mapped[str | None] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    payable_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partner = relationship("Partner")
    offer = relationship("Offer")
    conversion = relationship("Conversion")
    reverses = relationship("Commission", remote_side="Commission.id")
