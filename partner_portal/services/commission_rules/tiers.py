"""Volume tiers within a calendar month (in the program's time zone).

The partner's conversions of the rule's event on the offer are numbered within the month;
the tier is chosen by that number. ``mode`` says what a higher tier pays for:

- ``excess``: only the conversions from the threshold on (sales 1–50 at 10 %, 51+ at 12 %);
- ``all``: every conversion of the month. The conversion that reaches a tier pays at the
  new rate and also brings a top-up for the month's earlier conversions (the difference
  between the new rate and the previous tier's), as a separate bonus line.
"""

from __future__ import annotations

from decimal import Decimal

from ..errors import ValidationError
from ..money import format_money, round_money
from .base import (
    HUNDRED,
    PLURAL,
    Context,
    Line,
    RuleKind,
    apply_rate,
    fmt_rate,
    ordinal,
    parse_int,
    parse_lines,
    parse_rate,
    parse_rate_kind,
    rate_text,
)

MODES = ("excess", "all")


class Tiered(RuleKind):
    kind = "tiered"
    label = "Volume tiers (calendar month)"
    help = ("A rate that rises with the partner's number of conversions in the month. One "
            "tier per line: the conversion it starts from, then the rate, e.g. \"1: 10\" and "
            "\"51: 12\".")
    fields = ("rate_kind", "tiers", "tier_mode")

    def parse(self, raw, currency):
        rate_kind = parse_rate_kind(raw)
        mode = str(raw.get("tier_mode") or raw.get("mode") or "excess").strip()
        if mode not in MODES:
            raise ValidationError("Choose whether a higher tier pays on all of the month's "
                                  "conversions or only on those past the threshold.",
                                  field="tier_mode")
        tiers = []
        for start, value in parse_lines(raw.get("tiers"), "tiers", '"51: 12"'):
            tiers.append({"from": parse_int(start, "tiers", what="the conversion a tier starts from"),
                          "value": str(parse_rate(rate_kind, value, currency, "tiers"))})
        if tiers[0]["from"] != 1:
            raise ValidationError("The first tier must start from conversion 1.", field="tiers")
        for before, after in zip(tiers, tiers[1:]):
            if after["from"] <= before["from"]:
                raise ValidationError("List the tiers in order, each starting later than the "
                                      "one before.", field="tiers")
            if Decimal(after["value"]) < Decimal(before["value"]):
                raise ValidationError("A higher tier cannot pay less than the one before.",
                                      field="tiers")
        return {"rate_kind": rate_kind, "mode": mode, "tiers": tiers}

    def form_values(self, params):
        return {"rate_kind": params["rate_kind"], "tier_mode": params["mode"],
                "tiers": "\n".join(f"{t['from']}: {t['value']}" for t in params["tiers"])}

    def describe(self, params, currency, event):
        tiers, kind = params["tiers"], params["rate_kind"]
        parts = []
        for i, tier in enumerate(tiers):
            rate = fmt_rate(kind, Decimal(tier["value"]), currency)
            if i + 1 < len(tiers):
                parts.append(f"{PLURAL[event]} {tier['from']}–{tiers[i + 1]['from'] - 1}: {rate}")
            else:
                parts.append(f"{tier['from']}+: {rate}")
        scope = ("a higher tier pays on all of the month's " + PLURAL[event]
                 if params["mode"] == "all" else "a higher tier pays only past its threshold")
        return f"Per calendar month, {'; '.join(parts)} ({scope})"

    def lines(self, params, ctx: Context):
        tiers, kind = params["tiers"], params["rate_kind"]
        position = max(ctx.month_position, 1)
        index = max(i for i, t in enumerate(tiers) if t["from"] <= position)
        tier = tiers[index]
        value = Decimal(tier["value"])
        noun = ctx.event
        base = Line(
            apply_rate(kind, value, ctx.amount, ctx.currency),
            f"{rate_text(kind, value, ctx.amount, ctx.currency, noun)} (tier {index + 1}, "
            f"the {ordinal(position)} {noun} of {ctx.month_label})",
        )
        lines = [base]
        earlier = position - 1
        if params["mode"] == "all" and index > 0 and position == tier["from"] and earlier > 0:
            step = value - Decimal(tiers[index - 1]["value"])
            if kind == "percent":
                top_up = round_money(ctx.month_amount_before * step / HUNDRED, ctx.currency)
                how = (f"{fmt_rate(kind, step, ctx.currency)} more on the month's {earlier} "
                       f"earlier {PLURAL[noun] if earlier != 1 else noun} of "
                       f"{format_money(ctx.month_amount_before, ctx.currency)}")
            else:
                top_up = round_money(step * earlier, ctx.currency)
                how = (f"{fmt_rate(kind, step, ctx.currency)} more for each of the month's "
                       f"{earlier} earlier {PLURAL[noun] if earlier != 1 else noun}")
            if top_up > 0:
                lines.append(Line(top_up, f"Tier {index + 1} reached with the {ordinal(position)} "
                                          f"{noun} of {ctx.month_label}: {how}", bonus=True))
        return lines
