"""Recurring: renewals of a subscription pay for N months after the customer's first
sale, or for life.

Months are calendar months on the program's clock, counted from the customer's first sale
on the offer: a renewal pays while that count is N or less (with N = 12, the renewals one to
twelve months after the first sale pay, the thirteenth month's does not).
"""

from __future__ import annotations

from decimal import Decimal

from .base import (
    Context,
    Line,
    RuleKind,
    apply_rate,
    fmt_rate,
    parse_int,
    parse_rate,
    parse_rate_kind,
    rate_text,
)


class Recurring(RuleKind):
    kind = "recurring"
    label = "Recurring (renewals)"
    help = ("Pays on each renewal the customer makes, for a number of months after their "
            "first sale, or for life when the months are left empty.")
    events = ("renewal",)
    fields = ("rate_kind", "value", "months")

    def parse(self, raw, currency):
        rate_kind = parse_rate_kind(raw)
        months = raw.get("months")
        return {
            "rate_kind": rate_kind,
            "value": str(parse_rate(rate_kind, raw.get("value"), currency, "value")),
            "months": None if months in (None, "", "life") else parse_int(
                months, "months", minimum=1, maximum=600, what="a number of months"),
        }

    def form_values(self, params):
        return {"rate_kind": params["rate_kind"], "value": params["value"],
                "months": "" if params["months"] is None else str(params["months"])}

    def describe(self, params, currency, event):
        rate = fmt_rate(params["rate_kind"], Decimal(params["value"]), currency)
        span = ("for life" if params["months"] is None
                else f"for {params['months']} months after the customer's first sale")
        return f"{rate} of each renewal, {span}"

    def lines(self, params, ctx: Context):
        kind, value, limit = params["rate_kind"], Decimal(params["value"]), params["months"]
        months = ctx.months_since_first
        if months is None:
            when = "no earlier sale known for this customer"
        else:
            when = f"renewal {months} month{'s' if months != 1 else ''} after the customer's first sale"
        if limit is not None and months is not None and months > limit:
            return [Line(Decimal(0), f"nothing: {when}, past the {limit}-month "
                                     "recurring period")]
        span = "for life" if limit is None else f"pays for {limit} months"
        return [Line(apply_rate(kind, value, ctx.amount, ctx.currency),
                     f"{rate_text(kind, value, ctx.amount, ctx.currency, 'renewal')} "
                     f"({when}; {span})")]
