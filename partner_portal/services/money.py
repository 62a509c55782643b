"""Money: one rounding rule (half-up to the currency's minor unit) and one formatter.

Minor units and formatting come from Babel's copy of CLDR/ISO 4217.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision

LOCALE = "en_US"


def minor_units(currency: str | None) -> int:
    return get_currency_precision((currency or "USD").upper())


def quantum(currency: str | None) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def round_money(amount: Decimal | int | str, currency: str | None) -> Decimal:
    """The one rounding rule: half-up to the currency's minor unit."""
    return Decimal(amount).quantize(quantum(currency), rounding=ROUND_HALF_UP)


def parse_amount(value, currency: str | None, *, field: str = "amount",
                 allow_negative: bool = False) -> Decimal:
    """An exact amount from user or API input, or a ``ValidationError`` naming ``field``."""
    from .errors import ValidationError

    if isinstance(value, bool) or value is None:
        raise ValidationError("Enter an amount such as 49.90.", field=field)
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError("Enter an amount such as 49.90.", field=field) from None
    if not amount.is_finite():
        raise ValidationError("Enter an amount such as 49.90.", field=field)
    if amount < 0 and not allow_negative:
        raise ValidationError("The amount cannot be negative.", field=field)
    if amount != amount.quantize(quantum(currency)):
        raise ValidationError(
            f"Use at most {minor_units(currency)} decimal places for {currency}.", field=field
        )
    if abs(amount) >= Decimal("1e13"):
        raise ValidationError("The amount is too large.", field=field)
    return amount


def format_money(amount, currency: str | None = None) -> str:
    code = (currency or "USD").upper()
    value = round_money(Decimal(amount if amount is not None else 0), code)
    return format_currency(value, code, locale=LOCALE, decimal_quantization=True)
