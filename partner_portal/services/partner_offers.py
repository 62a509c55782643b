"""What a partner sees of the offers they may promote: what they earn (after their group's
and their own overrides), their cookie window, their caps and coupon codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..models import CouponCode, Offer, Partner
from . import cap_admin, coupons
from . import offers as offer_service
from .commission_engine import choose_rules, load_rules
from .commission_rules import EVENTS, get_kind
from .commission_rules.base import fmt_number
from .money import format_money


@dataclass
class OfferTerms:
    offer: Offer
    cookie_window_days: int
    earns: list[tuple[str, str]] = field(default_factory=list)  # (event, what it pays)
    otherwise: str = ""
    bonuses: list[str] = field(default_factory=list)
    caps: list[cap_admin.Usage] = field(default_factory=list)
    coupons: list[CouponCode] = field(default_factory=list)


def _default(offer: Offer) -> str:
    if offer.default_commission_kind == "percent":
        return f"{fmt_number(offer.default_commission_value)}% of the amount"
    return f"{format_money(offer.default_commission_value, offer.currency)} per conversion"


def terms_for(partner: Partner, now: datetime) -> list[OfferTerms]:
    own_coupons = [c for c in coupons.for_partner(partner.id) if c.is_active]
    result = []
    for offer in offer_service.offers_for(partner):
        rules = load_rules(offer.id, partner)
        terms = OfferTerms(offer, offer_service.cookie_window(offer, partner.group_id))
        covered = []
        for event in EVENTS:
            _level, payout = choose_rules(rules, event, bonus=False)
            for rule in payout:
                terms.earns.append((event, get_kind(rule.kind).describe(rule.params, offer.currency, event)))
            if payout:
                covered.append(event)
            _level, bonus = choose_rules(rules, event, bonus=True)
            terms.bonuses += [get_kind(r.kind).describe(r.params, offer.currency, event) for r in bonus]
        if len(covered) < len(EVENTS):
            terms.otherwise = _default(offer)
        terms.caps = cap_admin.partner_usage(partner, offer, now)
        terms.coupons = [c for c in own_coupons if c.offer_id in (None, offer.id)]
        result.append(terms)
    return result
