"""Vetting: risk assessments of partners, staff notes on them, and automatic decision rules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

RISK_LEVELS = ("low", "medium", "high")
AUTO_RULE_KINDS = ("approve_low_risk", "reject_email_domain", "reject_signal", "reject_high_risk")


class PartnerRisk(db.Model):
    """The latest risk assessment of a partner: score, level and each signal's evidence."""

    __tablename__ = "partner_risk"
    __table_args__ = (
        CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
        CheckConstraint("level IN ('low', 'medium', 'high')", name="level_valid"),
        Index("ix_partner_risk_level_score", "level", "score"),
    )

    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )
    score: Mapped[int] = mapped_column(default=0)
    level: Mapped[str] = mapped_column(String(8), default="low")
    # [{"code", "title", "weight", "evidence": [str], "partner_ids": [int]}], heaviest first.
    signals: Mapped[list] = mapped_column(JSON, default=list)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner = relationship("Partner", backref=db.backref("risk", uselist=False, passive_deletes=True))


class PartnerNote(db.Model):
    """An internal note on a partner. Staff only; partners never see these."""

    __tablename__ = "partner_notes"
    __table_args__ = (Index("ix_partner_notes_partner_created", "partner_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_label: Mapped[str] = mapped_column(String(254))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AutoDecisionRule(db.Model):
    """A rule the program sets to approve or reject new applications without a person.

    ``kind`` picks the rule class in ``services/autorules.py``; ``params`` holds its
    settings (a score limit, email domains, signal codes, a message to the applicant).
    """

    __tablename__ = "auto_decision_rules"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('approve_low_risk', 'reject_email_domain', 'reject_signal', 'reject_high_risk')",
            name="kind_valid",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("partner_groups.id", ondelete="SET NULL")
    )
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group = relationship("PartnerGroup")
