"""The payout pages as finance staff use them: draft, review, approve, settle, adjust."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from partner_portal.models import AuditEntry, Commission, Partner, Payout, PayoutBatch
from partner_portal.models.base import utcnow
from partner_portal.services import ledger
from partner_portal.services.program import get_program

from ..factories import CommissionFactory, PartnerFactory


def _earned(partner, amount):
    at = utcnow() - timedelta(days=3)
    return CommissionFactory(partner=partner, amount=Decimal(amount), created_at=at, approved_at=at)


def _yesterday() -> str:
    return (utcnow() - timedelta(days=1)).date().isoformat()


@pytest.fixture()
def two_partners(db):
    get_program().min_payout = Decimal("50")
    a = PartnerFactory(name="Alma Able")
    b = PartnerFactory(name="Bert Below")
    _earned(a, "120.00"), _earned(b, "12.00")
    db.session.commit()
    return a, b


def test_finance_drafts_reviews_approves_and_settles_a_batch(client, login_as, two_partners, db):
    a, b = two_partners
    login_as("finance")
    response = client.post("/admin/payouts/batches", data={"cutoff": _yesterday()})
    batch = db.session.scalar(select(PayoutBatch))
    assert response.headers["Location"] == f"/admin/payouts/batches/{batch.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Alma Able" in page and "$120.00" in page
    assert "Bert Below" in page and "Below the $50.00 minimum" in page

    payout = batch.payouts[0]
    # Leaving out needs a reason; the error says so and nothing changes.
    client.post(f"/admin/payouts/{payout.id}/exclude", data={"reason": ""})
    page = client.get(f"/admin/payouts/batches/{batch.id}").get_data(as_text=True)
    assert "Say why this payout is left out. (reason)" in page
    db.session.refresh(payout)
    assert payout.excluded is False
    client.post(f"/admin/payouts/{payout.id}/exclude", data={"reason": "Checking traffic"})
    client.post(f"/admin/payouts/{payout.id}/include")
    db.session.refresh(payout)
    assert payout.excluded is False

    client.post(f"/admin/payouts/batches/{batch.id}/approve", data={"payouts": 1, "total": "120.00"})
    db.session.refresh(batch)
    assert batch.status == "approved"
    client.post(f"/admin/payouts/batches/{batch.id}/sent", data={"method": "paypal",
                                                                 "reference": "PP-9"})
    client.post(f"/admin/payouts/{payout.id}/failed", data={"reason": ""})
    db.session.refresh(payout)
    assert payout.status == "sent"
    client.post(f"/admin/payouts/{payout.id}/failed", data={"reason": "Account closed"})
    db.session.expire_all()
    assert payout.status == "failed" and batch.status == "completed"
    assert ledger.balance(a.id) == Decimal("120.00")
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"payout_batch.create", "payout.exclude", "payout.include", "payout_batch.approve",
            "payout.send", "payout.mark_failed"} <= actions


def test_a_bad_cutoff_is_named_and_nothing_is_drafted(client, login_as, db):
    login_as("owner")
    response = client.post("/admin/payouts/batches", data={"cutoff": "2999-01-01"})
    assert response.status_code == 400
    assert "The cut-off date cannot be in the future." in response.get_data(as_text=True)
    response = client.post("/admin/payouts/batches", data={"cutoff": "not a date"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(PayoutBatch)) == 0


def test_the_creator_cannot_approve_when_a_second_approver_is_required(client, login_as,
                                                                       two_partners, db):
    get_program().payout_second_approver = True
    db.session.commit()
    login_as("finance")
    client.post("/admin/payouts/batches", data={"cutoff": _yesterday()})
    batch = db.session.scalar(select(PayoutBatch))
    client.post(f"/admin/payouts/batches/{batch.id}/approve", data={"payouts": 1, "total": "120.00"})
    page = client.get(f"/admin/payouts/batches/{batch.id}").get_data(as_text=True)
    assert "needs a second person to approve" in page
    db.session.refresh(batch)
    assert batch.status == "draft"


def test_managers_and_analysts_cannot_pay(client, login_as, two_partners, db):
    login_as("manager")
    assert client.post("/admin/payouts/batches", data={"cutoff": _yesterday()}).status_code == 403
    assert client.get("/admin/payouts").status_code == 200
    assert "Draft a batch" not in client.get("/admin/payouts").get_data(as_text=True)
    a, _ = two_partners
    assert client.post(f"/admin/payouts/partners/{a.id}/adjustments",
                       data={"amount": "5", "reason": "x"}).status_code == 403
    assert client.get(f"/admin/payouts/partners/{a.id}").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(PayoutBatch)) == 0


def test_bonus_and_clawback_go_on_the_ledger_with_a_reason(client, login_as, two_partners, db):
    a, _ = two_partners
    login_as("finance")
    url = f"/admin/payouts/partners/{a.id}/adjustments"
    bad = client.post(url, data={"amount": "12.345", "reason": "Too precise"})
    assert bad.status_code == 400 and "Use at most 2 decimal places" in bad.get_data(as_text=True)
    bad = client.post(url, data={"amount": "0", "reason": "Zero"})
    assert "non-zero amount" in bad.get_data(as_text=True)
    assert client.post(url, data={"amount": "25", "reason": "Launch week bonus"}).status_code == 302
    assert client.post(url, data={"amount": "-45.50", "reason": "Fraudulent orders"}).status_code == 302
    assert ledger.balance(a.id) == Decimal("99.50")
    page = client.get(f"/admin/payouts/partners/{a.id}").get_data(as_text=True)
    assert "Bonus: Launch week bonus" in page and "Clawback: Fraudulent orders" in page
    assert "$99.50" in page
    kinds = {c.explanation: c.kind for c in db.session.scalars(select(Commission))}
    assert kinds["Clawback: Fraudulent orders"] == "adjustment"
    assert kinds["Bonus: Launch week bonus"] == "bonus"
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "ledger.clawback"))
    assert audit.note == "Fraudulent orders" and audit.after["amount"] == "-45.50"
    csv_text = client.get(f"/admin/payouts/partners/{a.id}?format=csv").get_data(as_text=True)
    assert "Clawback: Fraudulent orders,-45.50,99.50,USD" in csv_text


def test_negative_balance_carries_into_the_next_batch(client, login_as, db):
    get_program().min_payout = Decimal("10")
    p = PartnerFactory()
    _earned(p, "40.00")
    CommissionFactory(partner=p, amount=Decimal("-60.00"), kind="adjustment",
                      created_at=utcnow() - timedelta(days=3), approved_at=utcnow() - timedelta(days=3))
    db.session.commit()
    login_as("finance")
    client.post("/admin/payouts/batches", data={"cutoff": _yesterday()})
    batch = db.session.scalar(select(PayoutBatch))
    assert batch.payouts == [] and batch.left_out[0]["reason"] == "balance is negative (carries forward)"
    assert ledger.balance(p.id) == Decimal("-20.00")


def test_payout_details_are_validated_and_saved(client, login_as, db):
    partner = PartnerFactory(payout_method=None, payout_email=None)
    db.session.commit()
    login_as("finance")
    url = f"/admin/payouts/partners/{partner.id}/details"
    page = client.post(url, data={"method": "bank_transfer", "account_holder": "Ana",
                                  "iban": "DE89370400440532013001"}).get_data(as_text=True)
    assert 'id="iban-error"' in page and "This IBAN is not valid" in page
    page = client.post(url, data={"method": "bank_transfer", "iban": "DE89370400440532013000"}
                       ).get_data(as_text=True)
    assert 'id="account_holder-error"' in page
    ok = client.post(url, data={"method": "bank_transfer", "account_holder": "Ana Ruiz",
                                "iban": "de89 3704 0044 0532 0130 00", "bic": "cobadeffxxx"})
    assert ok.status_code == 302
    db.session.refresh(partner)
    assert (partner.payout_iban, partner.payout_bic) == ("DE89370400440532013000", "COBADEFFXXX")
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.subject_id == str(partner.id))) == "partner.payout_details_update"


def test_payout_settings(client, login_as, db):
    login_as("owner")
    bad = client.post("/admin/payouts/settings", data={"min_payout": "25", "sepa_debtor_name": "Us",
                                                       "sepa_debtor_iban": "XX00"})
    assert bad.status_code == 200 and 'id="sepa_debtor_iban-error"' in bad.get_data(as_text=True)
    ok = client.post("/admin/payouts/settings", data={
        "min_payout": "25.50", "payout_second_approver": "y", "sepa_debtor_name": "Northwind BV",
        "sepa_debtor_iban": "NL91ABNA0417164300"})
    assert ok.status_code == 302
    db.session.expire_all()
    program = get_program()
    assert program.min_payout == Decimal("25.50") and program.payout_second_approver
    assert program.sepa_debtor_iban == "NL91ABNA0417164300"


def test_balances_page_filters_and_exports(client, login_as, two_partners, db):
    a, b = two_partners
    suspended = PartnerFactory(name="Sid Suspended", status="suspended")
    _earned(suspended, "300.00")
    evil = PartnerFactory(name="@SUM(A1:A9)", payout_method=None)
    _earned(evil, "70.00")
    db.session.commit()
    login_as("analyst")
    page = client.get("/admin/payouts/balances?show=payable").get_data(as_text=True)
    assert "Alma Able" in page and "Bert Below" not in page and "Sid Suspended" not in page
    assert "Needs attention" not in page
    page = client.get("/admin/payouts/balances?q=bert").get_data(as_text=True)
    assert "Bert Below" in page and "Alma Able" not in page
    csv_text = client.get("/admin/payouts/balances?format=csv").get_data(as_text=True)
    assert "'@SUM(A1:A9)" in csv_text and ",120.00,USD" in csv_text
    assert db.session.get(Partner, evil.id) is not None


def test_unknown_ids_are_404(client, login_as, db):
    login_as("owner")
    for url in ("/admin/payouts/partners/999", "/admin/payouts/partners/999/details",
                "/admin/partners/999/performance"):
        assert client.get(url).status_code == 404, url
    assert client.post("/admin/payouts/999/paid").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Payout)) == 0
