"""Figures for the home pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from ..extensions import db
from ..models import AuditEntry, Click, Commission, Conversion, DailyStat, Offer, Partner, TrackingLink
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
    daily: list[tuple[str, int, int]] = field(default_factory=list)


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


@dataclass
class PartnerOverview:
    clicks_30d: int
    conversions_30d: int
    earnings_by_status: dict[str, Decimal]
    currency: str
    recent_commissions: list[Commission]
    links: list[TrackingLink]
    offers_available: int


def partner_overview(partner: Partner, now: datetime, currency: str) -> PartnerOverview:
    since = now - timedelta(days=30)
    clicks = db.session.scalar(select(func.count()).select_from(Click).where(
        Click.partner_id == partner.id, Click.created_at >= since, Click.is_bot.is_(False)))
    conversions = db.session.scalar(select(func.count()).select_from(Conversion).where(
        Conversion.partner_id == partner.id, Conversion.created_at >= since,
        Conversion.status == "attributed"))
    earnings = {s: a or Decimal(0) for s, a in db.session.execute(
        select(Commission.status, func.sum(Commission.amount))
        .where(Commission.partner_id == partner.id).group_by(Commission.status)).all()}
    recent = list(db.session.scalars(
        select(Commission).where(Commission.partner_id == partner.id)
        .order_by(Commission.created_at.desc()).limit(10)))
    links = list(db.session.scalars(
        select(TrackingLink).where(TrackingLink.partner_id == partner.id)
        .order_by(TrackingLink.created_at.desc()).limit(10)))
    offers = db.session.scalar(select(func.count()).select_from(Offer).where(Offer.status == "active"))
    return PartnerOverview(clicks or 0, conversions or 0, earnings, currency, recent, links, offers or 0)
