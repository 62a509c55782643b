"""Milestone bonus: a one-off reward when the partner's Nth conversion of the event on the
offer arrives, counted in the calendar month (program zone) or ever. Each number is handed
to exactly one conversion, so the bonus is paid once, however many arrive at the same time."""

from __future__ import annotations

from decimal import Decimal

from ..errors import ValidationError
from ..money import format_money, minor_units
from .base import Context, Line, RuleKind, ordinal, parse_decimal, parse_int

PERIODS = ("month", "ever")


class Milestone(RuleKind):
    kind = "milestone"
    label = "Milestone bonus"
    help = "A one-off bonus at the partner's Nth conversion in a calendar month, or ever."
    bonus = True
    fields = ("count", "milestone_period", "amount")

    def parse(self, raw, currency):
        period = str(raw.get("milestone_period") or raw.get("period") or "month").strip()
        if period not in PERIODS:
            raise ValidationError("Choose a calendar month or ever.", field="milestone_period")
        return {
            "count": parse_int(raw.get("count"), "count", what="the number of conversions"),
            "period": period,
            "amount": str(parse_decimal(raw.get("amount"), "amount", places=minor_units(currency),
                                        minimum=Decimal("0.000001"), maximum=Decimal("1e9"),
                                        what="the bonus amount")),
        }

    def form_values(self, params):
        return {"count": str(params["count"]), "milestone_period": params["period"],
                "amount": params["amount"]}

    def describe(self, params, currency, event):
        when = "in a calendar month" if params["period"] == "month" else "ever"
        return (f"{format_money(Decimal(params['amount']), currency)} bonus at the "
                f"{ordinal(params['count'])} {event} {when}")

    def lines(self, params, ctx: Context):
        count = params["count"]
        if params["period"] == "month":
            reached, when = ctx.month_position == count, f"of {ctx.month_label}"
        else:
            reached, when = ctx.lifetime_position == count, "ever"
        if not reached:
            return []
        amount = Decimal(params["amount"])
        return [Line(amount, f"milestone bonus of {format_money(amount, ctx.currency)} for the "
                             f"{ordinal(count)} {ctx.event} {when}", bonus=True)]
