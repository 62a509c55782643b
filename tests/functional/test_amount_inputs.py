"""Amounts follow the one grammar of PRODUCT.md ("amounts") at every entry point: the
conversion and refund API (JSON strings and raw JSON numbers), the postback, the
management API, and the admin forms. A hostile amount is refused naming its field
(problem+json on the API, a form error on pages), changes nothing, and never gets a 5xx."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from partner_portal.models import Cap, Commission, Conversion, Offer
from partner_portal.services.fraud import screening
from partner_portal.services.program import get_program

from ..factories import PartnerFactory
from ..support.conversions import api_shop

# Strings a caller may send as an amount; each breaks the grammar.
HOSTILE = ["1e30", "1e3", "1E3", "1" * 30, "1" * 14, "1_000", "1,000", "١٠٠", "１００", "²",
           "-0", "-5", "+5", "49.999", ".5", "49.", "NaN", "Infinity", "0x10", "5 5",
           "9" * 5000, "\u202e49"]  # (a NUL byte is a 400 for the whole request, before any field)
# Raw JSON numbers (written into the body as they are, never through a float).
HOSTILE_NUMBERS = ["1e30", "1E+400", "-1e400", "1" * 30, "9" * 5000, "-0.0", "49.999", "1e-30",
                   "NaN", "Infinity", "-5"]


@pytest.fixture()
def shop(app, db):
    return api_shop(app)


def count(db, model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def refused(response, field: str = "amount") -> None:
    assert response.status_code == 422, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/problem+json"
    assert response.json["field"] == field


@pytest.mark.parametrize("amount", HOSTILE)
def test_the_conversion_api_refuses_a_hostile_amount_string(client, db, shop, amount):
    response = client.post("/api/v1/conversions", headers=shop["auth"], json={
        "order_id": "H-1", "amount": amount, "currency": "USD", "click_id": shop["click_id"]})
    refused(response)
    assert count(db, Conversion) == 0


@pytest.mark.parametrize("number", HOSTILE_NUMBERS)
def test_the_conversion_api_refuses_a_hostile_json_number(client, db, shop, number):
    body = (f'{{"order_id": "H-2", "amount": {number}, "currency": "USD", '
            f'"click_id": "{shop["click_id"]}"}}')
    response = client.post("/api/v1/conversions", headers=shop["auth"], data=body,
                           content_type="application/json")
    refused(response)
    assert count(db, Conversion) == 0


@pytest.mark.parametrize("number, stored", [("49.90", "49.90"), ("49.9", "49.90"), ("49", "49.00"),
                                            ("0.1", "0.10"), ("9999999999999.99", "9999999999999.99")])
def test_a_json_number_is_read_exactly(client, db, shop, number, stored):
    body = (f'{{"order_id": "N-1", "amount": {number}, "currency": "USD", '
            f'"click_id": "{shop["click_id"]}"}}')
    response = client.post("/api/v1/conversions", headers=shop["auth"], data=body,
                           content_type="application/json")
    assert response.status_code == 201, response.json
    assert response.json["amount"] == stored


@pytest.mark.parametrize("amount", HOSTILE + ["0"])
def test_the_refund_api_refuses_a_hostile_amount(client, db, shop, amount):
    created = client.post("/api/v1/conversions", headers=shop["auth"], json={
        "order_id": "H-3", "amount": "100.00", "currency": "USD", "click_id": shop["click_id"]})
    assert created.status_code == 201
    response = client.post("/api/v1/conversions/H-3/refund", headers=shop["auth"],
                           json={"amount": amount})
    refused(response)
    db.session.rollback()
    assert db.session.scalar(select(Conversion.refunded_amount)) == 0


@pytest.mark.parametrize("number", HOSTILE_NUMBERS)
def test_the_refund_api_refuses_a_hostile_json_number(client, db, shop, number):
    client.post("/api/v1/conversions", headers=shop["auth"], json={
        "order_id": "H-4", "amount": "100.00", "currency": "USD", "click_id": shop["click_id"]})
    response = client.post("/api/v1/conversions/H-4/refund", headers=shop["auth"],
                           data=f'{{"amount": {number}}}', content_type="application/json")
    refused(response)
    db.session.rollback()
    assert db.session.scalar(select(Conversion.refunded_amount)) == 0


@pytest.mark.parametrize("amount", HOSTILE)
def test_the_postback_refuses_a_hostile_amount(client, db, shop, amount):
    response = client.get(f"/postback?click_id={shop['click_id']}&order_id=H-5"
                          f"&amount={quote(amount)}&currency=USD&token={shop['key']}")
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert response.json["field"] == "amount"
    assert count(db, Conversion) == 0


@pytest.mark.parametrize("amount", HOSTILE)
def test_the_management_api_refuses_a_hostile_flat_commission_and_cap(client, db, shop, amount):
    offers = count(db, Offer)
    response = client.post("/api/v1/offers", headers=shop["auth"], json={
        "name": "Hostile", "destination_url": "https://shop.example/", "currency": "USD",
        "cookie_window_days": 30, "commission": {"kind": "flat", "value": amount}})
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert response.json["field"].endswith("value")
    assert count(db, Offer) == offers
    cap = client.post(f"/api/v1/offers/{shop['offer'].id}/caps", headers=shop["auth"], json={
        "metric": "commission", "period": "day", "limit": amount})
    assert cap.status_code == 422, cap.get_data(as_text=True)[:300]
    assert cap.json["field"] == "limit"
    assert count(db, Cap) == 0


@pytest.mark.parametrize("amount", [a for a in HOSTILE if a != "-5"])  # -5 is a clawback
def test_the_adjustment_form_refuses_a_hostile_amount(client, db, login_as, amount):
    login_as("finance")
    partner = PartnerFactory()
    db.session.commit()
    response = client.post(f"/admin/payouts/partners/{partner.id}/adjustments",
                           data={"amount": amount, "reason": "hostile"})
    assert response.status_code == 400
    assert 'id="amount-error"' in response.get_data(as_text=True)
    assert count(db, Commission) == 0


@pytest.mark.parametrize("amount", ["-5.00", "12.50"])
def test_the_adjustment_form_takes_a_bonus_or_a_clawback(client, db, login_as, amount):
    login_as("finance")
    partner = PartnerFactory()
    db.session.commit()
    response = client.post(f"/admin/payouts/partners/{partner.id}/adjustments",
                           data={"amount": amount, "reason": "ok"})
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(Commission.amount)) == Decimal(amount)


@pytest.mark.parametrize("amount", HOSTILE)
def test_the_fraud_threshold_form_refuses_a_hostile_number(client, db, login_as, amount):
    login_as("manager")
    before = screening.settings()["fast_conversion"].threshold
    response = client.post("/admin/fraud/rules", data={
        "code": "fast_conversion", "fast_conversion-enabled": "y",
        "fast_conversion-threshold": amount, "fast_conversion-action": "hold"})
    assert response.status_code == 200
    assert "Threshold" in response.get_data(as_text=True)
    assert 'class="error" role="alert"' in response.get_data(as_text=True)
    db.session.rollback()
    assert screening.settings()["fast_conversion"].threshold == before


@pytest.mark.parametrize("amount", HOSTILE)
def test_the_payout_settings_form_refuses_a_hostile_minimum(client, db, login_as, amount):
    login_as("owner")
    before = get_program().min_payout
    response = client.post("/admin/payouts/settings", data={"min_payout": amount})
    assert response.status_code == 200
    assert 'id="min_payout-error"' in response.get_data(as_text=True)
    db.session.rollback()
    assert get_program().min_payout == before


@pytest.mark.parametrize("amount", HOSTILE)
def test_the_simulator_refuses_a_hostile_amount(client, db, login_as, shop, amount):
    login_as("analyst")
    response = client.get(f"/admin/commissions/simulator?partner={shop['partner'].ref}"
                          f"&offer={shop['offer'].id}&event=sale&amount={quote(amount)}")
    assert response.status_code < 500
    assert count(db, Commission) == 0


@pytest.mark.parametrize("ids", [["²"], ["١٢"], ["9" * 30], ["-1"], ["1e3"]])
def test_the_bulk_partner_form_ignores_ids_that_are_not_ids(client, db, login_as, ids):
    login_as("manager")
    response = client.post("/admin/partners/bulk", data={"action": "reject", "reason": "no",
                                                         "partner_ids": ids})
    assert response.status_code == 302
