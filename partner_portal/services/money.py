"""Money: one rounding rule (half-up to the currency's minor unit) and one formatter.

Minor units and formatting come from Babel's copy of CLDR/ISO 4217.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency, get_currency_precision

LOCALE = "en_US"


def ratio(numerator, denominator) -> Decimal | None:
    """``numerator / denominator`` as an exact Decimal (a rate, an EPC, a share), or None
    when there is nothing to divide by."""
    if not denominator:
        return None
    return Decimal(numerator) / Decimal(denominator)


class ClickRates:
    """The rates of anything that counts ``clicks`` and ``conversions`` and sums
    ``commission``: the dashboard's and the reports' figures alike."""

    clicks: int
    conversions: int
    commission: Decimal

    @property
    def conversion_rate(self) -> Decimal | None:
        """Conversions per (non-bot) click."""
        return ratio(self.conversions, self.clicks)

    @property
    def epc(self) -> Decimal | None:
        """Earnings per click: commission paid per click."""
        return ratio(self.commission, self.clicks)


def minor_units(currency: str | None) -> int:
    return get_currency_precision((currency or "USD").upper())


def quantum(currency: str | None) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def round_money(amount: Decimal | int | str, currency: str | None) -> Decimal:
    """The one rounding rule: half-up to the currency's minor unit."""
    return Decimal(amount).quantize(quantum(currency), rounding=ROUND_HALF_UP)


# The grammar of an amount (PRODUCT.md, "amounts"): ASCII digits, then optionally a point
# and at most the currency's minor digits. No exponent, no digit separators, no other
# scripts' digits, no sign (a negative amount, where one is allowed, is a "-" before it).
MAX_INTEGER_DIGITS = 13
_NUMBER = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?")
EXAMPLE = "such as 49.90"


def parse_decimal(value, field: str, *, places: int, allow_negative: bool = False,
                  what: str = "an amount") -> Decimal:
    """The one parser of amounts and rates from user or API input: a JSON string, a JSON
    number (read as ``Decimal``, never a float) or a form field, following the grammar
    above with at most ``places`` decimals; anything else is a ``ValidationError`` naming
    ``field``. Surrounding spaces are ignored."""
    from .errors import ValidationError

    example = EXAMPLE if what == "an amount" else "such as 10 or 12.5"
    if isinstance(value, Decimal):
        value = _decimal_text(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    elif isinstance(value, float):
        value = repr(value)  # a float only reaches here from Python code, never from JSON
    if not isinstance(value, str):
        raise ValidationError(f"Enter {what} {example}.", field=field)
    match = _NUMBER.fullmatch(value.strip(" \t"))
    if match is None:
        raise ValidationError(f"Enter {what} {example}: digits and a point only.", field=field)
    sign, whole, decimals = match.groups()
    if sign and not allow_negative:
        raise ValidationError(f"Enter {what} without a sign, {example}.", field=field)
    if len(whole.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise ValidationError(f"{what.capitalize()} is too large.", field=field)
    if decimals is not None and len(decimals) > places:
        raise ValidationError(
            f"Use at most {places} decimal places." if places else "Use whole units: no decimals.",
            field=field)
    amount = Decimal(match.group(0))
    if sign and amount == 0:
        raise ValidationError(f"Enter {what} {example}: -0 is not an amount.", field=field)
    return amount


def _decimal_text(value: Decimal) -> str | None:
    """A JSON number (read as ``Decimal``) as the digits it was written with, or None when
    it was written with an exponent that makes it larger (``1e3``) or is not finite; an
    exponent that only moves the point (``1e-30``) gives the decimals it stands for."""
    if not value.is_finite() or value.as_tuple().exponent > 0:
        return None
    if value.adjusted() > MAX_INTEGER_DIGITS or -value.as_tuple().exponent > 64:
        return "9" * (MAX_INTEGER_DIGITS + 1) if value.adjusted() > 0 else "0." + "0" * 65
    return format(value, "f")


def parse_amount(value, currency: str | None, *, field: str = "amount",
                 allow_negative: bool = False) -> Decimal:
    """An exact amount in ``currency`` (at most its minor digits), or a
    ``ValidationError`` naming ``field``."""
    return parse_decimal(value, field, places=minor_units(currency),
                         allow_negative=allow_negative)


def format_money(amount, currency: str | None = None) -> str:
    code = (currency or "USD").upper()
    value = round_money(Decimal(amount if amount is not None else 0), code)
    return format_currency(value, code, locale=LOCALE, decimal_quantization=True)
