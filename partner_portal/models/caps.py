"""Offer caps and their usage counters, one counter per cap, period (and partner)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import MONEY, UTCDateTime, utcnow

CAP_METRICS = ("conversions", "commission", "clicks")
CAP_PERIODS = ("day", "week", "month", "lifetime")
CAP_SCOPES = ("offer", "offer_partner", "group")


class Cap(db.Model):
    """A limit on an offer's conversions, commission amount or clicks per period.

    Scope ``offer``: everyone on the offer together. ``offer_partner``: one partner
    (``partner_id``), or each partner separately when ``partner_id`` is empty. ``group``:
    the partners of one group together. At the limit, conversions are recorded as
    ``capped`` (``caps_conversions``) and/or clicks go to the fallback URL
    (``redirects_clicks``).
    """

    __tablename__ = "caps"
    __table_args__ = (
        CheckConstraint("metric IN ('conversions', 'commission', 'clicks')", name="metric_valid"),
        CheckConstraint("period IN ('day', 'week', 'month', 'lifetime')", name="period_valid"),
        CheckConstraint("scope IN ('offer', 'offer_partner', 'group')", name="scope_valid"),
        CheckConstraint(
            "(scope = 'offer' AND partner_id IS NULL AND group_id IS NULL)"
            " OR (scope = 'offer_partner' AND group_id IS NULL)"
            " OR (scope = 'group' AND group_id IS NOT NULL AND partner_id IS NULL)",
            name="scope_target",
        ),
        CheckConstraint("limit_value > 0", name="limit_positive"),
        CheckConstraint("caps_conversions OR redirects_clicks", name="has_action"),
        CheckConstraint("metric <> 'clicks' OR NOT caps_conversions", name="clicks_redirect_only"),
        Index("ix_caps_offer_active", "offer_id", "is_active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(16), default="offer")
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("partner_groups.id", ondelete="CASCADE"))
    limit_value: Mapped[Decimal] = mapped_column(MONEY)
    caps_conversions: Mapped[bool] = mapped_column(default=True)
    redirects_clicks: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    offer = relationship("Offer")
    partner = relationship("Partner")
    group = relationship("PartnerGroup")

    @property
    def per_partner(self) -> bool:
        """Each partner has a counter of their own."""
        return self.scope == "offer_partner"

    def __repr__(self) -> str:
        return f"<Cap {self.id} {self.metric}/{self.period} {self.scope} {self.limit_value}>"


# Counters are integers, so they add up exactly on every database: a count for the
# conversions and clicks metrics, ten-thousandths of the currency for the commission metric.
UNITS_PER_MONEY = 10_000


class CapUsage(db.Model):
    """What a cap has used in one period. ``partner_key`` is the partner for per-partner
    caps and 0 for shared ones; ``alert_level`` is the last alert sent (0, 80 or 100)."""

    __tablename__ = "cap_usages"
    __table_args__ = (
        UniqueConstraint("cap_id", "period_key", "partner_key"),
        CheckConstraint("used >= 0", name="used_non_negative"),
        CheckConstraint("alert_level IN (0, 80, 100)", name="alert_level_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cap_id: Mapped[int] = mapped_column(ForeignKey("caps.id", ondelete="CASCADE"))
    period_key: Mapped[str] = mapped_column(String(10))
    partner_key: Mapped[int] = mapped_column(default=0)
    used: Mapped[int] = mapped_column(BigInteger, default=0)
    alert_level: Mapped[int] = mapped_column(default=0)
    period_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    cap = relationship("Cap")
