"""The demo program's commission structures, caps, coupons and recruits, and its history of
conversions replayed through the real engine (``record_conversion``), in order, so every
demo commission is computed and explained the way a real one is."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from ..extensions import db
from ..models import Cap, Commission, CommissionRule, CouponCode, Offer, Partner, PartnerGroup
from . import audit, cap_admin, commission_plans, commissions, coupons
from .conversions import ConversionInput, record_conversion, refund_conversion
from .program import get_program

RULES = {
    "Trailblazer Running Shoes": [
        dict(name="Shoe-tiers", kind="tiered",
             settings={"rate_kind": "percent", "tiers": "1: 10\n21: 12", "tier_mode": "excess"}),
        dict(name="25-sales-bonus", kind="milestone",
             settings={"count": "25", "milestone_period": "month", "amount": "100"}),
        dict(name="VIP-sales", kind="percent", scope="group", group="VIP", settings={"value": "15"}),
    ],
    "Basecamp Gear Subscription": [
        dict(name="New-subscriber", kind="flat", settings={"value": "25"}),
        dict(name="Renewals-12m", kind="recurring", event="renewal",
             settings={"rate_kind": "percent", "value": "10", "months": "12"}),
    ],
    "Outdoor Newsletter": [
        dict(name="Fresh-leads", kind="time_decay", event="lead",
             settings={"rate_kind": "flat", "value": "2", "steps": "3: 100\n7: 50"}),
    ],
    "Winter Clearance": [
        dict(name="Creators-clearance", kind="percent", scope="group", group="Content creators",
             settings={"value": "10"}),
    ],
}
CAPS = {
    "Trailblazer Running Shoes": [dict(metric="commission", period="month", scope="offer_partner",
                                       limit="1000")],
    "Basecamp Gear Subscription": [dict(metric="conversions", period="week", scope="offer_partner",
                                        limit="20")],
    "Outdoor Newsletter": [dict(metric="conversions", period="day", scope="offer", limit="60",
                                redirects_clicks=True)],
}
RENEWAL_OFFER = "Basecamp Gear Subscription"
APPROVAL_HOUR = 7  # UTC: the approve-commissions job's 02:05 in the demo's New York


def configure(offers: list[Offer], partners: list[Partner], manager, now: datetime, result) -> None:
    """Rules, caps, coupon codes and recruits, each added once."""
    actor = audit.Actor.of(manager, "198.51.100.7")
    groups = {g.name: g for g in db.session.scalars(select(PartnerGroup))}
    for offer in offers:
        has_rules = db.session.scalar(select(func.count()).select_from(CommissionRule)
                                      .where(CommissionRule.offer_id == offer.id))
        for spec in [] if has_rules else RULES.get(offer.name, []):
            group = groups.get(spec.get("group", ""))
            commission_plans.add_rule(offer, commission_plans.RuleInput(
                name=spec["name"], kind=spec["kind"], event=spec.get("event", _event(offer)),
                scope=spec.get("scope", "offer"), group_id=group.id if group else None,
                settings=spec["settings"]), actor=actor, now=now)
            result.add("commission rules")
        has_caps = db.session.scalar(select(func.count()).select_from(Cap).where(Cap.offer_id == offer.id))
        for spec in [] if has_caps else CAPS.get(offer.name, []):
            cap_admin.create_cap(offer, cap_admin.CapInput(
                metric=spec["metric"], period=spec["period"], limit=spec["limit"],
                scope=spec["scope"], redirects_clicks=spec.get("redirects_clicks", False)),
                actor=actor, now=now)
            result.add("caps")
    star, *others = [p for p in partners if p.status == "approved"]
    if db.session.scalar(select(func.count()).select_from(CouponCode)) == 0:
        get_program().referral_discount = "10% off your first order"
        coupons.create(star, "TRAIL-AVA", "10% off your first order", actor=actor, now=now)
        coupons.create(others[2], None, "Free shipping on the first box",
                       offer=next(o for o in offers if o.name == RENEWAL_OFFER), actor=actor, now=now)
        result.add("coupon codes", 2)
    if not any(p.parent_id for p in partners):
        for recruit in others[3:6]:
            recruit.parent_id = star.id
        result.add("recruits", 3)
    db.session.flush()


def _event(offer: Offer) -> str:
    return "lead" if offer.name == "Outdoor Newsletter" else "sale"


def record_history(orders: list[dict], offers: dict[int, Offer], rng: random.Random,
                   now: datetime, result) -> None:
    """Replay the orders (and a year of monthly renewals for subscribers) through the engine,
    oldest first (it screens each one for fraud, as it does every conversion); then approve
    what is due, and reject and refund a few."""
    system = audit.Actor.system("demo import")
    renewals = []
    for order in orders:
        offer = offers[order["offer_id"]]
        if offer.name == RENEWAL_OFFER and order["event"] == "sale":
            for month in range(1, 13):
                at = order["occurred_at"] + timedelta(days=30 * month)
                if at > now or rng.random() < 0.12:  # some customers cancel
                    break
                renewals.append(dict(offer_id=offer.id, order_id=f"{order['order_id']}-R{month}",
                                     amount=order["amount"], event="renewal",
                                     customer_id=order["customer_id"], occurred_at=at))
    hold_over = audit.Actor.system("hold period")
    history = sorted(orders + renewals, key=lambda o: o["occurred_at"])
    # Commissions are approved as the scheduler approves them, each night once their hold
    # period is over, so each month's statement credits what was approved in that month
    # (approving everything at seed time put the whole history into today's balance and
    # left every earlier statement with nothing credited).
    nightly = (history[0]["occurred_at"].replace(hour=APPROVAL_HOUR, minute=5, second=0,
                                                 microsecond=0) + timedelta(days=1)
               if history else now)
    for order in history:
        while nightly <= order["occurred_at"]:
            commissions.approve_due(nightly, actor=hold_over)
            nightly += timedelta(days=1)
        record_conversion(ConversionInput(currency=offers[order["offer_id"]].currency, **order),
                          actor=system, now=order["occurred_at"], alert=False)
    result.add("conversions", len(orders) + len(renewals))

    while nightly <= now:
        commissions.approve_due(nightly, actor=hold_over)
        nightly += timedelta(days=1)
    commissions.approve_due(now, actor=hold_over)
    manager = audit.Actor(None, "manager@demo.test", "198.51.100.7")
    pending = list(db.session.scalars(select(Commission.id).where(
        Commission.status == "pending", Commission.kind == "conversion").order_by(Commission.id)))
    for commission_id in pending:
        # (Commissions on hold come from the fraud screening the engine ran on each
        # conversion, each with its case in the review queue.)
        if rng.random() < 0.03:
            commissions.decide(commission_id, "reject", reason="Order cancelled by the customer.",
                               actor=manager, now=now)
    refunded = [o for o in orders if o["event"] == "sale" and rng.random() < 0.02]
    for order in refunded:
        half = (Decimal(order["amount"]) / 2).quantize(Decimal("0.01"))
        amount = None if rng.random() < 0.5 or half <= 0 else half
        refund_conversion(order["offer_id"], order["order_id"], amount, actor=system, now=now)
    result.add("refunds", len(refunded))
