"""The fraud rules. Each is a small class: what it looks at, its default threshold and
action, and ``evaluate`` returning a finding with its evidence, or None."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, func, select

from ...extensions import db
from ...models import Click, Conversion, DailyStat, Offer, Partner, User


@dataclass
class FraudContext:
    conversion: Conversion
    offer: Offer
    partner: Partner
    click: Click | None
    now: datetime


@dataclass
class Finding:
    summary: str
    evidence: dict = field(default_factory=dict)


class FraudRule(ABC):
    code: str = ""
    title: str = ""
    description: str = ""
    threshold_label: str | None = None
    default_threshold: Decimal | None = None
    default_action: str = "hold"
    default_enabled: bool = True
    # Looks at the click row (its address, user agent, parameters). Clicks are loaded after
    # the redirect, so a fast conversion can arrive first: such rules run again when the
    # click is loaded (``screening.screen_arrived_click``).
    uses_click: bool = False

    @abstractmethod
    def evaluate(self, ctx: FraudContext, threshold: Decimal | None) -> Finding | None:
        """A finding with its evidence when the rule fires, else None."""


REGISTRY: dict[str, FraudRule] = {}


def rule(cls: type[FraudRule]) -> type[FraudRule]:
    REGISTRY[cls.code] = cls()
    return cls


@rule
class FastConversion(FraudRule):
    code = "fast_conversion"
    title = "Conversion too soon after the click"
    description = "Real shoppers take time; a purchase seconds after the click suggests a script or cookie stuffing."
    threshold_label = "seconds"
    default_threshold = Decimal(10)

    def evaluate(self, ctx, threshold):
        clicked = ctx.conversion.clicked_at
        if clicked is None:
            return None
        seconds = (ctx.conversion.occurred_at - clicked).total_seconds()
        if 0 <= seconds < float(threshold):
            return Finding(f"Converted {seconds:.0f} s after the click (under {threshold} s).",
                           {"seconds_after_click": round(seconds, 1), "threshold": str(threshold)})
        return None


@rule
class ClickFlood(FraudRule):
    code = "click_flood"
    title = "Click flood from one address"
    description = "Many clicks from the same IP address within an hour of this conversion's click."
    threshold_label = "clicks per hour"
    default_threshold = Decimal(30)
    uses_click = True
    default_action = "flag"

    def evaluate(self, ctx, threshold):
        click = ctx.click
        if click is None or not click.ip:
            return None
        count = db.session.scalar(select(func.count()).select_from(Click).where(
            Click.ip == click.ip, Click.created_at > click.created_at - timedelta(hours=1),
            Click.created_at <= click.created_at + timedelta(hours=1)))
        if count > threshold:
            return Finding(f"{count} clicks from {click.ip} within an hour of the click.",
                           {"ip": click.ip, "clicks": count, "threshold": str(threshold)})
        return None


@rule
class SelfReferral(FraudRule):
    code = "self_referral"
    title = "Self-referral"
    description = "The customer is the partner: same email, or the click came from the partner's own address."
    uses_click = True
    default_action = "hold"

    def evaluate(self, ctx, threshold):
        partner, conversion = ctx.partner, ctx.conversion
        customer = (conversion.customer_id or "").strip().lower()
        emails = {e.lower() for e in (partner.email, partner.payout_email) if e}
        if customer and customer in emails:
            return Finding("The customer id is the partner's own email address.",
                           {"customer_id": conversion.customer_id})
        if ctx.click is not None and ctx.click.ip:
            user = db.session.scalar(select(User).where(User.partner_id == partner.id))
            partner_ips = {ip for ip in (partner.signup_ip, user.last_login_ip if user else None) if ip}
            if ctx.click.ip in partner_ips:
                return Finding("The click came from the address the partner signs in from.",
                               {"ip": ctx.click.ip})
        return None


@rule
class SharedCustomer(FraudRule):
    code = "shared_customer"
    title = "Customer claimed by several partners"
    description = "Another partner was credited with the same customer recently."
    threshold_label = "days"
    default_threshold = Decimal(30)
    default_action = "flag"

    def evaluate(self, ctx, threshold):
        conversion = ctx.conversion
        if not conversion.customer_id:
            return None
        since = conversion.occurred_at - timedelta(days=int(threshold))
        others = db.session.execute(
            select(Conversion.partner_id, func.count()).where(
                Conversion.customer_id == conversion.customer_id,
                Conversion.partner_id.is_not(None), Conversion.partner_id != conversion.partner_id,
                Conversion.occurred_at >= since, Conversion.id != conversion.id)
            .group_by(Conversion.partner_id)).all()
        if others:
            return Finding(f"Customer {conversion.customer_id} was also credited to "
                           f"{len(others)} other partner(s) in the last {threshold} days.",
                           {"customer_id": conversion.customer_id,
                            "other_partner_ids": sorted(p for p, _ in others)})
        return None


@rule
class PaidSearch(FraudRule):
    code = "paid_search"
    title = "Paid search on an offer that forbids it"
    description = ("The click arrived with an ad network's click id (gclid, msclkid, fbclid…) on an offer "
                   "where paid search is not allowed.")
    uses_click = True
    default_action = "reject"

    def evaluate(self, ctx, threshold):
        click = ctx.click
        if ctx.offer.paid_search_allowed or click is None or not click.paid_click_param:
            return None
        return Finding(f"The click carried {click.paid_click_param}; this offer does not allow paid search.",
                       {"parameter": click.paid_click_param, "offer_id": ctx.offer.id})


@rule
class ConversionRateOutlier(FraudRule):
    code = "conversion_rate"
    title = "Conversion rate far above the program's"
    description = ("The partner's conversion rate over the last 30 days is many times the program's "
                   "(at least 100 clicks).")
    threshold_label = "times the program's rate"
    default_threshold = Decimal(5)
    default_action = "flag"
    MIN_CLICKS = 100

    # Built once: this runs on every attributed conversion.
    _PROGRAM = (select(func.coalesce(func.sum(DailyStat.clicks), 0),
                       func.coalesce(func.sum(DailyStat.conversions), 0))
                .where(DailyStat.day >= bindparam("since")))
    _PARTNER = _PROGRAM.where(DailyStat.partner_id == bindparam("partner"))

    def evaluate(self, ctx, threshold):
        since = (ctx.now - timedelta(days=30)).date()
        def rate(stmt, **params):
            clicks, conversions = db.session.execute(stmt, {"since": since, **params}).one()
            return int(clicks), int(conversions)
        p_clicks, p_conv = rate(self._PARTNER, partner=ctx.partner.id)
        if p_clicks < self.MIN_CLICKS:
            return None  # too few clicks to judge: the program's rate is not needed
        all_clicks, all_conv = rate(self._PROGRAM)
        if not all_clicks or not all_conv:
            return None
        partner_rate, program_rate = p_conv / p_clicks, all_conv / all_clicks
        if partner_rate > program_rate * float(threshold):
            return Finding(f"Conversion rate {partner_rate:.1%} against the program's {program_rate:.1%}.",
                           {"partner_rate": round(partner_rate, 4), "program_rate": round(program_rate, 4),
                            "partner_clicks": p_clicks})
        return None


@rule
class BotClick(FraudRule):
    code = "bot_click"
    title = "Conversion from a bot's click"
    description = "The click behind the conversion came from a known bot or link previewer."
    uses_click = True
    default_action = "hold"

    def evaluate(self, ctx, threshold):
        click = ctx.click
        if click is not None and click.is_bot:
            return Finding("The click came from a known bot user agent.",
                           {"user_agent": (click.user_agent or "")[:200]})
        return None
