from __future__ import annotations

from decimal import Decimal

import pytest

from partner_portal.services.errors import ValidationError
from partner_portal.services.money import format_money, parse_amount, round_money


@pytest.mark.parametrize("amount, currency, expected", [
    ("1.005", "USD", "1.01"), ("1.004", "USD", "1.00"), ("2.5", "JPY", "3"), ("-1.005", "EUR", "-1.01"),
    ("0.0005", "BHD", "0.001"), ("12.345", "GBP", "12.35"),
])
def test_round_half_up_to_the_minor_unit(amount, currency, expected):
    assert round_money(Decimal(amount), currency) == Decimal(expected)


@pytest.mark.parametrize("value, currency, expected", [
    ("49.90", "USD", Decimal("49.90")), (10, "USD", Decimal("10")), ("1000", "JPY", Decimal("1000")),
    (12.5, "EUR", Decimal("12.5")),
])
def test_parse_amount(value, currency, expected):
    assert parse_amount(value, currency) == expected


@pytest.mark.parametrize("value, currency", [
    ("abc", "USD"), ("-1", "USD"), ("1.001", "USD"), ("1.5", "JPY"), ("NaN", "USD"),
    ("Infinity", "USD"), (None, "USD"), (True, "USD"), ("1e20", "USD"),
])
def test_bad_amounts_name_the_field(value, currency):
    with pytest.raises(ValidationError) as err:
        parse_amount(value, currency, field="amount")
    assert err.value.field == "amount"


def test_format_money():
    assert format_money(Decimal("1234.5"), "USD") == "$1,234.50"
    assert format_money(Decimal("-3"), "EUR") == "-€3.00"
    assert format_money(Decimal("1500"), "JPY") == "¥1,500"
