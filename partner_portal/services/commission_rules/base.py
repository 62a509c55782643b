"""What every rule kind shares: the facts a rule sees, the lines it answers with, and
the parsing helpers that turn form or API input into validated settings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

from ..errors import ValidationError
from ..money import format_money, minor_units, round_money
from ..money import parse_decimal as money_grammar

EVENTS = ("sale", "lead", "signup", "renewal")
PLURAL = {"sale": "sales", "lead": "leads", "signup": "signups", "renewal": "renewals"}
RATE_KINDS = ("percent", "flat")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Context:
    """The facts about one conversion that rules may use. Built from the database by
    ``record_conversion`` and from the form by the simulator; rules never query."""

    event: str
    amount: Decimal  # the sale amount (0 for most leads and signups)
    currency: str
    days_after_click: int | None = None
    # This conversion's number among the partner's conversions of this event on this
    # offer in the calendar month / ever (1 for the first), and the sale amount of the
    # month's earlier ones.
    month_position: int = 1
    month_amount_before: Decimal = Decimal(0)
    lifetime_position: int = 1
    month_label: str = "this month"
    # Renewals: whole months since the customer's first sale (None: none known).
    months_since_first: int | None = None


@dataclass(frozen=True)
class Line:
    """One computed amount and how it came about. Amounts are already rounded."""

    amount: Decimal
    text: str
    bonus: bool = False


def fmt_number(value: Decimal | int) -> str:
    """10 → "10", 12.50 → "12.5": rates without noise."""
    value = Decimal(value)
    return f"{value.normalize():f}" if value != value.to_integral() else f"{value.to_integral():f}"


def fmt_rate(rate_kind: str, value: Decimal, currency: str) -> str:
    return f"{fmt_number(value)}%" if rate_kind == "percent" else format_money(value, currency)


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def apply_rate(rate_kind: str, value: Decimal, amount: Decimal, currency: str) -> Decimal:
    """The one way a rate becomes money: percent of the amount, or the flat value;
    rounded half-up to the currency's minor unit."""
    if rate_kind == "percent":
        return round_money(amount * value / HUNDRED, currency)
    return round_money(value, currency)


def rate_text(rate_kind: str, value: Decimal, amount: Decimal, currency: str, event: str) -> str:
    if rate_kind == "percent":
        return f"{fmt_number(value)}% of {format_money(amount, currency)}"
    return f"{format_money(value, currency)} per {event}"


# --- parsing ------------------------------------------------------------------------

def _text(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    return "" if value is None else str(value).strip()


def parse_decimal(value: Any, field: str, *, places: int = 4, minimum: Decimal = Decimal(0),
                  maximum: Decimal | None = None, what: str = "a number") -> Decimal:
    """A rate or an amount, by the one money grammar (``money.parse_decimal``), within
    ``minimum`` and ``maximum``."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        raise ValidationError(f"Enter {what}.", field=field)
    number = money_grammar(value, field, places=places, allow_negative=minimum < 0, what=what)
    if number < minimum:
        raise ValidationError(f"Enter {fmt_number(minimum)} or more.", field=field)
    if maximum is not None and number > maximum:
        raise ValidationError(f"Enter at most {fmt_number(maximum)}.", field=field)
    return number


def parse_int(value: Any, field: str, *, minimum: int = 1, maximum: int = 1_000_000,
              what: str = "a whole number") -> int:
    text = "" if value is None or isinstance(value, bool) else str(value).strip()
    if not re.fullmatch(r"-?[0-9]{1,18}", text):
        raise ValidationError(f"Enter {what}.", field=field)
    number = int(text)
    if number < minimum or number > maximum:
        raise ValidationError(f"Enter a whole number from {minimum} to {maximum}.", field=field)
    return number


def parse_rate_kind(raw: Mapping[str, Any]) -> str:
    kind = _text(raw, "rate_kind") or "percent"
    if kind not in RATE_KINDS:
        raise ValidationError("Choose percent of the sale or a flat amount.", field="rate_kind")
    return kind


def parse_rate(rate_kind: str, value: Any, currency: str, field: str) -> Decimal:
    """A percentage (0–100, up to 4 places) or a flat amount in ``currency``."""
    if rate_kind == "percent":
        return parse_decimal(value, field, maximum=HUNDRED, what="a percentage")
    return parse_decimal(value, field, places=minor_units(currency),
                         maximum=Decimal("1e9"), what="an amount")


def parse_lines(value: Any, field: str, example: str) -> list[tuple[str, str]]:
    """"7: 100" lines (or a list of pairs / dicts from the API) as (left, right) strings."""
    if isinstance(value, (list, tuple)):
        pairs = []
        for item in value:
            if isinstance(item, Mapping):
                pairs.append(tuple(str(v) for v in list(item.values())[:2]))
            else:
                pairs.append(tuple(str(v) for v in item))
        rows = pairs
    else:
        rows = []
        for line in str(value or "").replace(";", "\n").splitlines():
            line = line.strip()
            if not line:
                continue
            left, sep, right = line.partition(":")
            if not sep:
                parts = line.split()
                if len(parts) != 2:
                    raise ValidationError(f"Write each line as {example}.", field=field)
                left, right = parts
            rows.append((left.strip().rstrip("+").strip(), right.strip().rstrip("%").strip()))
    if not rows:
        raise ValidationError(f"Add at least one line, such as {example}.", field=field)
    if any(len(r) != 2 for r in rows):
        raise ValidationError(f"Write each line as {example}.", field=field)
    return [(str(a), str(b)) for a, b in rows]


class RuleKind:
    """A kind of commission rule. Subclasses parse their settings, describe them in a
    sentence, and compute lines for a conversion. ``bonus`` kinds add one-off rewards on
    top of the payout instead of computing it."""

    kind: str = ""
    label: str = ""
    help: str = ""
    events: tuple[str, ...] = EVENTS
    bonus: bool = False
    # The editor's inputs this kind reads (besides name, event and scope).
    fields: tuple[str, ...] = ()

    def parse(self, raw: Mapping[str, Any], currency: str) -> dict:
        raise NotImplementedError

    def describe(self, params: dict, currency: str, event: str) -> str:
        raise NotImplementedError

    def lines(self, params: dict, ctx: Context) -> list[Line]:
        raise NotImplementedError

    def form_values(self, params: dict) -> dict:
        """The settings as the editor's inputs show them."""
        return dict(params)
