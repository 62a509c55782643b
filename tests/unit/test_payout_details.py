"""Payout details: which are valid, and the field named when they are not."""

from __future__ import annotations

import pytest

from partner_portal.services.errors import ValidationError
from partner_portal.services.payout_details import PayoutDetails, clean

VALID = [
    (PayoutDetails("paypal", paypal_email=" Pat@Example.com "), {"paypal_email": "pat@example.com"}),
    (PayoutDetails("bank_transfer", account_holder="Ana Ruiz", iban="es91 2100 0418 4502 0005 1332"),
     {"iban": "ES9121000418450200051332", "bic": None}),
    (PayoutDetails("bank_transfer", account_holder="Ana", iban="DE89370400440532013000",
                   bic="cobadeffxxx"), {"bic": "COBADEFFXXX"}),
    (PayoutDetails("other", other_details="Cheque to PO Box 12"), {"other_details": "Cheque to PO Box 12"}),
]

INVALID = [
    (PayoutDetails(None), "method"),
    (PayoutDetails("crypto"), "method"),
    (PayoutDetails("paypal"), "paypal_email"),
    (PayoutDetails("paypal", paypal_email="not-an-email"), "paypal_email"),
    (PayoutDetails("paypal", paypal_email="=cmd@example.com"), "paypal_email"),
    (PayoutDetails("bank_transfer", account_holder="Ana"), "iban"),
    (PayoutDetails("bank_transfer", account_holder="Ana", iban="DE89370400440532013001"), "iban"),
    (PayoutDetails("bank_transfer", account_holder="Ana", iban="BR1800360305000010009795493C1"), "iban"),
    (PayoutDetails("bank_transfer", iban="DE89370400440532013000"), "account_holder"),
    (PayoutDetails("bank_transfer", account_holder="A" * 71, iban="DE89370400440532013000"), "account_holder"),
    (PayoutDetails("bank_transfer", account_holder="Ana", iban="DE89370400440532013000", bic="XYZ"), "bic"),
    (PayoutDetails("other"), "other_details"),
]


@pytest.mark.parametrize("details, expected", VALID)
def test_valid_details_are_normalised(details, expected):
    cleaned = clean(details)
    for name, value in expected.items():
        assert getattr(cleaned, name) == value


@pytest.mark.parametrize("details, field", INVALID)
def test_invalid_details_name_the_field(details, field):
    with pytest.raises(ValidationError) as err:
        clean(details)
    assert err.value.field == field and err.value.message
