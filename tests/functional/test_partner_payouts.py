"""The partner's payouts page: balance against the minimum, details, own history only."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from partner_portal.models import AuditEntry, Partner
from partner_portal.services.program import get_program

from ..factories import CommissionFactory, PartnerFactory


def test_balance_and_progress_toward_the_minimum(client, login_as, db):
    partner = login_as("partner").partner
    get_program().min_payout = Decimal("50")
    CommissionFactory(partner=partner, amount=Decimal("20.00"))
    CommissionFactory(partner=PartnerFactory(), amount=Decimal("999.00"))
    db.session.commit()
    html = client.get("/partner/payouts").get_data(as_text=True)
    assert "$20.00" in html and "40% of the $50.00 minimum" in html
    assert "$999.00" not in html


def test_valid_bank_details_are_saved_and_audited(client, login_as, db):
    partner = login_as("partner").partner
    response = client.post("/partner/payouts", data={
        "method": "bank_transfer", "account_holder": "Ada Lovelace",
        "iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Partner, partner.id)
    assert saved.payout_method == "bank_transfer" and saved.payout_iban.startswith("DE89")
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.action == "partner.payout_details_update"))


def test_a_bad_iban_names_the_field_and_changes_nothing(client, login_as, db):
    partner = login_as("partner").partner
    before = partner.payout_method
    response = client.post("/partner/payouts", data={
        "method": "bank_transfer", "account_holder": "Ada", "iban": "DE00 1234", "bic": ""})
    assert response.status_code == 422
    assert 'id="iban-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Partner, partner.id).payout_method == before


def test_the_share_page_shows_the_partners_own_coupon_codes(client, login_as, db):
    from ..factories import CouponFactory

    partner = login_as("partner").partner
    CouponFactory(partner=partner, code="ADA-10", discount="10% off your first order")
    CouponFactory(partner=PartnerFactory(), code="OTHER-99")
    db.session.commit()
    html = client.get("/partner/share").get_data(as_text=True)
    assert "ADA-10" in html and "10% off your first order" in html
    assert "OTHER-99" not in html
