"""Time decay: the rate falls as the days between the click and the conversion grow.

Steps are "within the first N days: S % of the rate". Days are whole 24-hour days after
the click (0 on the day of the click), so "7: 100" covers days 0–6 and "30: 50" then covers
days 7–29; from the last step's day on, nothing is paid. A conversion without a click time
(a coupon, a partner reference) is paid at the first step.
"""

from __future__ import annotations

from decimal import Decimal

from ..errors import ValidationError
from .base import (
    HUNDRED,
    Context,
    Line,
    RuleKind,
    apply_rate,
    fmt_number,
    fmt_rate,
    parse_decimal,
    parse_int,
    parse_lines,
    parse_rate,
    parse_rate_kind,
    rate_text,
)


class TimeDecay(RuleKind):
    kind = "time_decay"
    label = "Time decay (days after the click)"
    help = ("A rate that falls with the days between the click and the conversion. One step "
            "per line: within the first N days, the share of the rate paid, e.g. \"7: 100\" "
            "then \"30: 50\"; nothing after the last step.")
    fields = ("rate_kind", "value", "steps")

    def parse(self, raw, currency):
        rate_kind = parse_rate_kind(raw)
        steps = []
        for days, share in parse_lines(raw.get("steps"), "steps", '"7: 100"'):
            steps.append({"days": parse_int(days, "steps", maximum=3650, what="a number of days"),
                          "share": str(parse_decimal(share, "steps", places=2, maximum=HUNDRED,
                                                     what="a share of the rate in percent"))})
        for before, after in zip(steps, steps[1:]):
            if after["days"] <= before["days"]:
                raise ValidationError("List the steps in order of days, each longer than the "
                                      "one before.", field="steps")
        return {"rate_kind": rate_kind,
                "value": str(parse_rate(rate_kind, raw.get("value"), currency, "value")),
                "steps": steps}

    def form_values(self, params):
        return {"rate_kind": params["rate_kind"], "value": params["value"],
                "steps": "\n".join(f"{s['days']}: {s['share']}" for s in params["steps"])}

    def describe(self, params, currency, event):
        rate = fmt_rate(params["rate_kind"], Decimal(params["value"]), currency)
        parts, start = [], 0
        for step in params["steps"]:
            parts.append(f"days {start}–{step['days'] - 1}: {fmt_number(Decimal(step['share']))}%")
            start = step["days"]
        return f"{rate} per {event}, by days after the click ({'; '.join(parts)}; nothing from day {start})"

    def lines(self, params, ctx: Context):
        kind, value, steps = params["rate_kind"], Decimal(params["value"]), params["steps"]
        days = ctx.days_after_click
        if days is None:
            index = 0
        else:
            index = next((i for i, s in enumerate(steps) if days < s["days"]), None)
        if index is None:
            return [Line(Decimal(0), f"nothing: past the last time-decay step "
                                     f"(day {steps[-1]['days']} after the click)")]
        share = Decimal(steps[index]["share"])
        start, end = (0 if index == 0 else steps[index - 1]["days"]), steps[index]["days"] - 1
        how = ("full rate" if share == HUNDRED
               else f"{fmt_number(share)}% of the {fmt_rate(kind, value, ctx.currency)} rate")
        when = ("first step: no click time known" if days is None
                else f"days {start}–{end} after the click")
        effective = value * share / HUNDRED
        return [Line(apply_rate(kind, effective, ctx.amount, ctx.currency),
                     f"{rate_text(kind, effective, ctx.amount, ctx.currency, ctx.event)} "
                     f"({how}, {when})")]
