"""Commission structures: ordered rules per offer, with group and partner overrides, and
the per-partner volume counters that volume tiers and milestones read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

RULE_SCOPES = ("offer", "group", "partner")
RULE_KINDS = ("flat", "percent", "tiered", "recurring", "time_decay", "milestone")


class CommissionRule(db.Model):
    """One rule of an offer's commission structure.

    ``scope`` says whom it is for: everyone on the offer, one partner group (an override),
    or one partner (an override). ``params`` hold the kind's settings, validated by the
    kind's class in ``services/commission_rules``; amounts in them are decimal strings.
    """

    __tablename__ = "commission_rules"
    __table_args__ = (
        CheckConstraint("scope IN ('offer', 'group', 'partner')", name="scope_valid"),
        CheckConstraint(
            "(scope = 'offer' AND group_id IS NULL AND partner_id IS NULL)"
            " OR (scope = 'group' AND group_id IS NOT NULL AND partner_id IS NULL)"
            " OR (scope = 'partner' AND partner_id IS NOT NULL AND group_id IS NULL)",
            name="scope_target",
        ),
        CheckConstraint("event IN ('sale', 'lead', 'signup', 'renewal')", name="event_valid"),
        CheckConstraint(
            "kind IN ('flat', 'percent', 'tiered', 'recurring', 'time_decay', 'milestone')",
            name="kind_valid",
        ),
        Index("ix_commission_rules_offer_position", "offer_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(16), default="offer")
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("partner_groups.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    event: Mapped[str] = mapped_column(String(16), default="sale")
    kind: Mapped[str] = mapped_column(String(16))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    offer = relationship("Offer")
    group = relationship("PartnerGroup")
    partner = relationship("Partner")

    def __repr__(self) -> str:
        return f"<CommissionRule {self.id} {self.name} {self.kind}/{self.event}>"


class PartnerVolume(db.Model):
    """How many conversions (and how much sale amount) a partner has brought an offer in a
    period: ``period_key`` is a calendar month in the program's zone (``2026-03``) or
    ``all`` for lifetime. Updated with atomic ``UPDATE … RETURNING`` so each conversion
    gets its exact position, however many arrive at once. The amount is kept in
    ten-thousandths of the currency, as an integer, so it adds up exactly everywhere."""

    __tablename__ = "partner_volumes"
    __table_args__ = (
        UniqueConstraint("partner_id", "offer_id", "event", "period_key"),
        CheckConstraint("conversions >= 0", name="conversions_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(16))
    period_key: Mapped[str] = mapped_column(String(10))
    conversions: Mapped[int] = mapped_column(default=0)
    amount_units: Mapped[int] = mapped_column(BigInteger, default=0)
