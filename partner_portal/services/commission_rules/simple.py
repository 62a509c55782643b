"""Flat per conversion and percent of the sale."""

from __future__ import annotations

from decimal import Decimal

from ..money import format_money
from .base import Context, Line, RuleKind, apply_rate, fmt_number, parse_rate, rate_text


class Flat(RuleKind):
    kind = "flat"
    label = "Flat amount per conversion"
    help = "The same amount for every conversion, whatever the sale amount."
    fields = ("value",)

    def parse(self, raw, currency):
        return {"value": str(parse_rate("flat", raw.get("value"), currency, "value"))}

    def describe(self, params, currency, event):
        return f"{format_money(Decimal(params['value']), currency)} per {event}"

    def lines(self, params, ctx: Context):
        value = Decimal(params["value"])
        amount = apply_rate("flat", value, ctx.amount, ctx.currency)
        return [Line(amount, rate_text("flat", value, ctx.amount, ctx.currency, ctx.event))]


class Percent(RuleKind):
    kind = "percent"
    label = "Percent of the sale"
    help = "A percentage of the sale amount reported with the conversion."
    fields = ("value",)

    def parse(self, raw, currency):
        return {"value": str(parse_rate("percent", raw.get("value"), currency, "value"))}

    def describe(self, params, currency, event):
        return f"{fmt_number(Decimal(params['value']))}% of the {event} amount"

    def lines(self, params, ctx: Context):
        value = Decimal(params["value"])
        amount = apply_rate("percent", value, ctx.amount, ctx.currency)
        return [Line(amount, rate_text("percent", value, ctx.amount, ctx.currency, ctx.event))]
