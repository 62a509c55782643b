"""Payout batches, payouts and the commissions each payout settles.

A commission is in at most one *live* payout: ``payout_items`` has a partial unique index
on ``commission_id`` over the rows that are not released. An item is released (its
``released_at`` set) when its payout fails or is canceled, which returns the money to the
partner's balance and lets a later batch pay it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
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
from .tracking import BigId

BATCH_STATUSES = ("draft", "approved", "completed", "canceled")
PAYOUT_STATUSES = ("draft", "approved", "sent", "paid", "failed", "canceled")
# Payouts that take money off the partner's balance (a failed or canceled one gives it back).
DEBITING_STATUSES = ("approved", "sent", "paid")


class PayoutBatch(db.Model):
    __tablename__ = "payout_batches"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'approved', 'completed', 'canceled')",
                        name="status_valid"),
        # Idempotency: one batch per cut-off date and currency ("2026-10-31:EUR"). A canceled
        # batch gives its key up (NULL), so the same cut-off can be drafted again.
        UniqueConstraint("key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(40))
    cutoff: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    # Who was left out and why, as computed when the batch was drafted:
    # [{"partner_id", "name", "amount", "reason"}, ...]
    left_out: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_label: Mapped[str] = mapped_column(String(254), default="")
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    payouts: Mapped[list[Payout]] = relationship(back_populates="batch", order_by="Payout.id")
    created_by = relationship("User", foreign_keys=[created_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])

    def __repr__(self) -> str:
        return f"<PayoutBatch {self.id} {self.key} {self.status}>"


class Payout(db.Model):
    __tablename__ = "payouts"
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'approved', 'sent', 'paid', 'failed', 'canceled')",
            name="status_valid"),
        CheckConstraint("method IN ('paypal', 'bank_transfer', 'other')", name="method_valid"),
        CheckConstraint("amount > 0", name="amount_positive"),
        UniqueConstraint("batch_id", "partner_id"),
        Index("ix_payouts_partner_status", "partner_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payout_batches.id", ondelete="RESTRICT"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="RESTRICT"))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    # Left out of the batch during review (still a draft; canceled when the batch is approved).
    excluded: Mapped[bool] = mapped_column(default=False)
    excluded_reason: Mapped[str | None] = mapped_column(Text)
    # Where the money goes, frozen when the payout is drafted: exports read these.
    method: Mapped[str] = mapped_column(String(16))
    recipient_name: Mapped[str] = mapped_column(String(120))
    paypal_email: Mapped[str | None] = mapped_column(String(254))
    iban: Mapped[str | None] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    other_details: Mapped[str | None] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(120))
    failure_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    batch: Mapped[PayoutBatch] = relationship(back_populates="payouts")
    partner = relationship("Partner")
    items: Mapped[list[PayoutItem]] = relationship(back_populates="payout",
                                                   order_by="PayoutItem.id")

    def __repr__(self) -> str:
        return f"<Payout {self.id} partner={self.partner_id} {self.amount} {self.status}>"


class PayoutItem(db.Model):
    """One commission (or adjustment) settled by a payout, with the amount it counted for."""

    __tablename__ = "payout_items"
    __table_args__ = (
        # Never twice: a commission belongs to at most one live payout.
        Index("uq_payout_items_live_commission", "commission_id", unique=True,
              sqlite_where=text("released_at IS NULL"),
              postgresql_where=text("released_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    payout_id: Mapped[int] = mapped_column(ForeignKey("payouts.id", ondelete="RESTRICT"),
                                           index=True)
    commission_id: Mapped[int] = mapped_column(ForeignKey("commissions.id", ondelete="RESTRICT"))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    payout: Mapped[Payout] = relationship(back_populates="items")
    commission = relationship("Commission")
