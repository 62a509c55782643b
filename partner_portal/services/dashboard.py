"""Figures for the program overview (the partner dashboard is ``partner_stats``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from ..extensions import db
from ..models import AuditEntry, Commission, DailyStat, Offer, Partner
from .program import program_zone


@dataclass
class AdminOverview:
    partners_by_status: dict[str, int]
    active_offers: int
    clicks_30d: int
    conversions_30d: int
    revenue_30d: dict[str, Decimal]
    commissions_by_status: dict[tuple[str, str], Decimal]
    recent_applications: list[Partner]
    recent_activity: list[AuditEntry]


def admin_overview(now: datetime) -> AdminOverview:
    """Counts from small tables; traffic and money from the daily rollups only."""
    since_day = (now.astimezone(program_zone()) - timedelta(days=29)).date()
    by_status = dict(db.session.execute(
        select(Partner.status, func.count()).group_by(Partner.status)).all())
    active_offers = db.session.scalar(select(func.count()).select_from(Offer).where(Offer.status == "active"))
    clicks, conversions = db.session.execute(
        select(func.coalesce(func.sum(DailyStat.clicks), 0),
               func.coalesce(func.sum(DailyStat.conversions), 0))
        .where(DailyStat.day >= since_day)).one()
    revenue = {cur: amt or Decimal(0) for cur, amt in db.session.execute(
        select(Offer.currency, func.sum(DailyStat.revenue))
        .join(Offer, Offer.id == DailyStat.offer_id)
        .where(DailyStat.day >= since_day).group_by(Offer.currency)).all()}
    commissions = {(status, cur): amt or Decimal(0) for status, cur, amt in db.session.execute(
        select(Commission.status, Commission.currency, func.sum(Commission.amount))
        .group_by(Commission.status, Commission.currency)).all()}
    recent_apps = list(db.session.scalars(
        select(Partner).where(Partner.status == "applied").order_by(Partner.created_at.desc()).limit(8)))
    activity = list(db.session.scalars(
        select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(10)))
    return AdminOverview(by_status, active_offers or 0, clicks or 0, conversions or 0, revenue,
                         commissions, recent_apps, activity)
