"""Daily rollups: what dashboards read instead of scanning raw clicks and conversions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import MONEY, UTCDateTime, utcnow
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


class LinkStat(db.Model):
    """One row per day (program zone) and tracking link: what a partner's link list shows.

    ``DailyStat`` has no link, and a partner may have several links for the same offer and
    sub1, so per-link figures get their own small rollup, kept by the same increments.
    """

    __tablename__ = "link_daily_stats"
    __table_args__ = (
        UniqueConstraint("link_id", "day"),
        Index("ix_link_daily_stats_partner_day", "partner_id", "day"),
        CheckConstraint("clicks >= 0 AND unique_clicks >= 0", name="click_counts_non_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date)
    link_id: Mapped[int] = mapped_column(ForeignKey("tracking_links.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    clicks: Mapped[int] = mapped_column(default=0)
    unique_clicks: Mapped[int] = mapped_column(default=0)
    conversions: Mapped[int] = mapped_column(default=0)
    commission: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))


class MonthlyStanding(db.Model):
    """Where each active partner ranks in a month by conversions (from the rollups).

    Recomputed by the ``standings`` job; kept for past months so "top 10%" badges last.
    """

    __tablename__ = "monthly_standings"
    __table_args__ = (
        UniqueConstraint("month", "partner_id"),
        Index("ix_monthly_standings_month_rank", "month", "rank"),
        CheckConstraint("rank > 0 AND ranked >= rank", name="rank_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"),
                                            index=True)
    conversions: Mapped[int] = mapped_column(default=0)
    rank: Mapped[int]
    # How many partners were ranked that month (approved, with a conversion).
    ranked: Mapped[int]
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
