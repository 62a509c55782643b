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
    (12.5, "EUR", Decimal("12.5")), ("49", "USD", Decimal("49")), ("49.9", "USD", Decimal("49.9")),
    (Decimal("49.90"), "USD", Decimal("49.90")), ("0", "USD", Decimal("0")),
    ("9999999999999.99", "USD", Decimal("9999999999999.99")), (" 5.00 ", "USD", Decimal("5.00")),
])
def test_parse_amount(value, currency, expected):
    assert parse_amount(value, currency) == expected


@pytest.mark.parametrize("value, currency", [
    ("abc", "USD"), ("-1", "USD"), ("1.001", "USD"), ("1.5", "JPY"), ("NaN", "USD"),
    ("Infinity", "USD"), (None, "USD"), (True, "USD"), ("1e20", "USD"),
    # the grammar in PRODUCT.md: no exponent, separator, other digits, sign or 14+ digits
    ("1e3", "USD"), ("1e30", "USD"), ("1E3", "USD"), ("1_000", "USD"), ("1,000", "USD"),
    ("١٠٠", "USD"), ("１００", "USD"), ("²", "USD"), ("-0", "USD"), ("+5", "USD"), ("-5", "USD"),
    ("1" * 14, "USD"), ("1" * 30, "USD"), ("49.", "USD"), (".5", "USD"), ("0x10", "USD"),
    ("", "USD"), ("5 5", "USD"), ("5\n", "USD"), ("49.9\x00", "USD"), ("9" * 5000, "USD"),
    (Decimal("1E+30"), "USD"), (Decimal("1E+400"), "USD"), (Decimal("NaN"), "USD"),
    (Decimal("-0.0"), "USD"), (Decimal("1E-30"), "USD"), (10**30, "USD"), (float("inf"), "USD"),
    ([], "USD"), ({}, "USD"),
])
def test_bad_amounts_name_the_field(value, currency):
    with pytest.raises(ValidationError) as err:
        parse_amount(value, currency, field="amount")
    assert err.value.field == "amount"


@pytest.mark.parametrize("value", ["-5", "-0.01"])
def test_a_negative_amount_where_one_is_allowed(value):
    assert parse_amount(value, "USD", allow_negative=True) == Decimal(value)


@pytest.mark.parametrize("value", ["-0", "-0.00", "--5", "- 5", "-1e3"])
def test_a_negative_amount_still_follows_the_grammar(value):
    with pytest.raises(ValidationError):
        parse_amount(value, "USD", allow_negative=True)


def test_format_money():
    assert format_money(Decimal("1234.5"), "USD") == "$1,234.50"
    assert format_money(Decimal("-3"), "EUR") == "-€3.00"
    assert format_money(Decimal("1500"), "JPY") == "¥1,500"
