"""Daily rollups: what dashboards read instead of scanning raw clicks and conversions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import MONEY
from .tracking import BigId


class DailyStat(db.Model):
    """One row per day (in the program's time zone), offer, partner and sub1.

    Counters only ever move by increments from the events that change them, so the rows can
    be rebuilt from the raw tables at any time (``flask rollups rebuild``).
    """

    __tablename__ = "daily_stats"
    __table_args__ = (
        UniqueConstraint("day", "offer_id", "partner_id", "sub1"),
        Index("ix_daily_stats_partner_day", "partner_id", "day"),
        Index("ix_daily_stats_offer_day", "offer_id", "day"),
        CheckConstraint("clicks >= 0 AND unique_clicks >= 0 AND bot_clicks >= 0",
                        name="click_counts_non_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    # '' when the click carried no sub1, so the unique key works on every database.
    sub1: Mapped[str] = mapped_column(String(100), default="")
    clicks: Mapped[int] = mapped_column(default=0)
    unique_clicks: Mapped[int] = mapped_column(default=0)
    bot_clicks: Mapped[int] = mapped_column(default=0)
    conversions: Mapped[int] = mapped_column(default=0)
    revenue: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    commission: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
