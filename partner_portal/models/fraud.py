"""Fraud rules the program switches on, and the cases they open."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .tracking import BigId

FRAUD_ACTIONS = ("flag", "hold", "reject")
CASE_STATUSES = ("open", "released", "rejected")


class FraudRuleSetting(db.Model):
    """The program's choice for one rule of the registry (absent: the rule's defaults)."""

    __tablename__ = "fraud_rule_settings"
    __table_args__ = (
        CheckConstraint("action IN ('flag', 'hold', 'reject')", name="action_valid"),
        CheckConstraint("threshold IS NULL OR threshold >= 0", name="threshold_non_negative"),
    )

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    threshold: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    action: Mapped[str] = mapped_column(String(8), default="hold")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class FraudCase(db.Model):
    __tablename__ = "fraud_cases"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'released', 'rejected')", name="status_valid"),
        CheckConstraint("action IN ('flag', 'hold', 'reject')", name="action_valid"),
        Index("ix_fraud_cases_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversion_id: Mapped[int] = mapped_column(ForeignKey("conversions.id", ondelete="CASCADE"),
                                               index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"),
                                            index=True)
    rule: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(8))
    summary: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution_note: Mapped[str | None] = mapped_column(Text)

    conversion = relationship("Conversion")
    partner = relationship("Partner")
    resolved_by = relationship("User")
