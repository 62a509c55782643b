"""Commissions for a conversion, from the offer's default plan."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..models import Offer
from .money import format_money, round_money


@dataclass(frozen=True)
class Quote:
    amount: Decimal
    explanation: str


def default_quote(offer: Offer, sale_amount: Decimal, currency: str) -> Quote:
    """What the offer's default plan pays for a sale of ``sale_amount``."""
    value = Decimal(offer.default_commission_value)
    if offer.default_commission_kind == "percent":
        amount = round_money(sale_amount * value / Decimal(100), currency)
        rate = value.normalize()
        return Quote(amount, f"{rate:f}% of {format_money(sale_amount, currency)} (offer default)")
    amount = round_money(value, currency)
    return Quote(amount, f"flat {format_money(amount, currency)} per conversion (offer default)")
