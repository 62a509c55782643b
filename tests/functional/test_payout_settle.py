"""Settling a batch in one go (every payout, or the ticked ones, paid with one reference)
and approving only after a confirmation showing the number of payouts and the total."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from partner_portal.models import AuditEntry, Commission, Payout, PayoutBatch
from partner_portal.models.base import utcnow
from partner_portal.services import ledger
from partner_portal.services.program import get_program

from ..factories import CommissionFactory, PartnerFactory, StaffFactory
from ..support import login
from ..support.conversions import no_errors, parallel_requests

AMOUNTS = {"Ada Able": ("120.00", "30.50"), "Bo Brown": ("75.00",), "Cy Clark": ("64.25",)}


def _earned(partner, amount):
    at = utcnow() - timedelta(days=3)
    return CommissionFactory(partner=partner, amount=Decimal(amount), created_at=at,
                             approved_at=at)


@pytest.fixture()
def partners(db):
    get_program().min_payout = Decimal("50")
    made = {}
    for name, amounts in AMOUNTS.items():
        made[name] = PartnerFactory(name=name)
        for amount in amounts:
            _earned(made[name], amount)
    db.session.commit()
    return made


def _draft(client, db) -> PayoutBatch:
    cutoff = (utcnow() - timedelta(days=1)).date().isoformat()
    assert client.post("/admin/payouts/batches", data={"cutoff": cutoff}).status_code == 302
    return db.session.scalar(select(PayoutBatch))


def _approve(client, batch) -> None:
    page = client.get(f"/admin/payouts/batches/{batch.id}/approve").get_data(as_text=True)
    count = len([p for p in batch.payouts if not p.excluded])
    total = sum(p.amount for p in batch.payouts if not p.excluded)
    assert f'name="payouts" type="hidden" value="{count}"' in page
    response = client.post(f"/admin/payouts/batches/{batch.id}/approve",
                           data={"payouts": count, "total": str(total)})
    assert response.status_code == 302


def _statuses(db) -> dict[str, str]:
    db.session.rollback()  # a fresh snapshot: what the requests committed
    return {p.partner.name: p.status for p in db.session.scalars(select(Payout))}


def _count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --- approving asks first ----------------------------------------------------------------

def test_approving_shows_the_number_of_payouts_and_the_total_first(client, login_as, partners, db):
    login_as("finance")
    batch = _draft(client, db)
    batch_page = client.get(f"/admin/payouts/batches/{batch.id}").get_data(as_text=True)
    assert f'href="/admin/payouts/batches/{batch.id}/approve"' in batch_page

    confirm = client.get(f"/admin/payouts/batches/{batch.id}/approve")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "Approve payout batch" in html
    assert '<div class="value" id="confirm-count">3</div>' in html
    assert '<div class="value" id="confirm-total">$289.75</div>' in html
    assert "Approve 3 payouts for $289.75" in html
    db.session.refresh(batch)
    assert batch.status == "draft"  # looking changes nothing

    # A bare POST (no confirmation) is refused with the confirmation page; nothing changes.
    bare = client.post(f"/admin/payouts/batches/{batch.id}/approve")
    assert bare.status_code == 400
    assert "Confirm the number of payouts and the total first." in bare.get_data(as_text=True)
    db.session.refresh(batch)
    assert batch.status == "draft"
    assert _count(db, AuditEntry, AuditEntry.action == "payout_batch.approve") == 0

    # The batch changed after the confirmation was shown: shown again with the new figures.
    bo = next(p for p in batch.payouts if p.partner.name == "Bo Brown")
    client.post(f"/admin/payouts/{bo.id}/exclude", data={"reason": "Checking traffic"})
    stale = client.post(f"/admin/payouts/batches/{batch.id}/approve",
                        data={"payouts": "3", "total": "289.75"})
    assert stale.status_code == 400
    html = stale.get_data(as_text=True)
    assert "The batch changed since you looked" in html and "Approve 2 payouts for $214.75" in html
    db.session.refresh(batch)
    assert batch.status == "draft"

    ok = client.post(f"/admin/payouts/batches/{batch.id}/approve",
                     data={"payouts": "2", "total": "214.75"})
    assert ok.status_code == 302
    db.session.refresh(batch)
    assert batch.status == "approved"
    assert _statuses(db) == {"Ada Able": "approved", "Bo Brown": "canceled", "Cy Clark": "approved"}
    # Approved: the confirmation is not offered again.
    again = client.get(f"/admin/payouts/batches/{batch.id}/approve")
    assert again.status_code == 302


def test_the_confirmation_is_for_paying_staff_only(client, login_as, partners, db):
    login_as("finance")
    batch = _draft(client, db)
    client.post("/logout")
    login_as("analyst")
    assert client.get(f"/admin/payouts/batches/{batch.id}/approve").status_code == 403
    assert client.get("/admin/payouts/batches/999/approve").status_code in (403, 404)


# --- settling in one go ------------------------------------------------------------------

def test_every_payout_of_a_batch_is_marked_paid_with_one_reference(client, login_as, partners,
                                                                   db, outbox):
    login_as("finance")
    batch = _draft(client, db)
    _approve(client, batch)
    # One of them was already marked sent (with its own reference) by hand.
    cy = next(p for p in batch.payouts if p.partner.name == "Cy Clark")
    client.post(f"/admin/payouts/{cy.id}/sent", data={"reference": "PP-OLD"})

    page = client.get(f"/admin/payouts/batches/{batch.id}").get_data(as_text=True)
    assert "Select all 3 open payouts" in page and "Mark all 3 paid ($289.75)" in page
    assert page.count('name="payout_ids"') == 3

    response = client.post(f"/admin/payouts/batches/{batch.id}/paid",
                           data={"scope": "all", "reference": "BANK-2026-11"})
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 payouts marked paid ($289.75); the partners have been emailed." in html
    assert _statuses(db) == {name: "paid" for name in AMOUNTS}
    db.session.refresh(batch)
    assert batch.status == "completed"
    assert {p.reference for p in batch.payouts} == {"BANK-2026-11"}
    assert set(db.session.scalars(select(Commission.status))) == {"paid"}
    assert all(ledger.balance(p.id) == Decimal("0") for p in partners.values())
    # Through the lifecycle, one transition at a time, each audited.
    assert _count(db, AuditEntry, AuditEntry.action == "payout.mark_paid") == 3
    assert _count(db, AuditEntry, AuditEntry.action == "payout.send") == 3  # 2 now + Cy's
    assert sorted(m["To"] for m in outbox.messages()) == sorted(p.email for p in partners.values())
    assert "Mark all" not in html  # nothing left to settle

    # Pressing again pays nobody twice.
    again = client.post(f"/admin/payouts/batches/{batch.id}/paid",
                        data={"scope": "all", "reference": "BANK-2026-11"})
    assert "Already paid: nothing was changed" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert _count(db, AuditEntry, AuditEntry.action == "payout.mark_paid") == 3
    assert len(outbox.messages()) == 3


def test_the_ticked_payouts_are_paid_and_bad_choices_change_nothing(client, login_as, partners, db):
    login_as("finance")
    batch = _draft(client, db)
    _approve(client, batch)
    ids = {p.partner.name: p.id for p in batch.payouts}
    url = f"/admin/payouts/batches/{batch.id}/paid"

    def flash_after(response):
        assert response.status_code == 302
        return client.get(response.headers["Location"]).get_data(as_text=True)

    # Nothing ticked, a payout of another batch, not a number, no reference: named, nothing paid.
    html = flash_after(client.post(url, data={"scope": "selected", "reference": "R-1"}))
    assert "Tick at least one payout to mark paid. (payouts)" in html
    html = flash_after(client.post(url, data={"scope": "selected", "reference": "R-1",
                                              "payout_ids": [ids["Ada Able"], 9999]}))
    assert "Payout #9999 is not in this batch. (payouts)" in html
    html = flash_after(client.post(url, data={"scope": "selected", "payout_ids": "x1"}))
    assert "(payouts)" in html
    html = flash_after(client.post(url, data={"scope": "selected",
                                              "payout_ids": [ids["Ada Able"]]}))
    assert "Enter the payment reference" in html and "(reference)" in html
    assert set(_statuses(db).values()) == {"approved"}
    assert _count(db, AuditEntry, AuditEntry.action.in_(("payout.send", "payout.mark_paid"))) == 0

    html = flash_after(client.post(url, data={"scope": "selected", "reference": "R-1",
                                              "payout_ids": [ids["Ada Able"], ids["Bo Brown"]]}))
    assert "2 payouts marked paid ($225.50)" in html
    assert _statuses(db) == {"Ada Able": "paid", "Bo Brown": "paid", "Cy Clark": "approved"}
    assert ledger.balance(partners["Cy Clark"].id) == Decimal("0")  # approved: debited, unpaid
    assert _count(db, Commission, Commission.status == "paid") == 3

    # Cy's payout fails; ticking it with the paid ones is refused as a whole.
    client.post(f"/admin/payouts/{ids['Cy Clark']}/sent")
    client.post(f"/admin/payouts/{ids['Cy Clark']}/failed", data={"reason": "Account closed"})
    html = flash_after(client.post(url, data={"scope": "selected", "reference": "R-2",
                                              "payout_ids": [ids["Ada Able"], ids["Cy Clark"]]}))
    assert "The payout to Cy Clark is failed and cannot be marked paid. (payouts)" in html
    assert _statuses(db)["Cy Clark"] == "failed"
    assert ledger.balance(partners["Cy Clark"].id) == Decimal("64.25")
    assert {p.reference for p in db.session.scalars(select(Payout)) if p.status == "paid"} == {"R-1"}


def test_a_draft_batch_cannot_be_marked_paid(client, login_as, partners, db):
    login_as("finance")
    batch = _draft(client, db)
    response = client.post(f"/admin/payouts/batches/{batch.id}/paid",
                           data={"scope": "all", "reference": "R"})
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Approve the batch before marking its payouts paid." in html
    assert set(_statuses(db).values()) == {"draft"}
    client.post("/logout")
    login_as("manager")
    assert client.post(f"/admin/payouts/batches/{batch.id}/paid",
                       data={"scope": "all", "reference": "R"}).status_code == 403


@pytest.mark.slow
def test_twenty_identical_presses_at_once_pay_each_payout_once(app, db, outbox):
    """20 parallel identical "Mark all paid" requests, real threads against a real
    database (SQLite file or PostgreSQL): each payout is paid once, audited once, emailed
    once, and the ledger is right."""
    get_program().min_payout = Decimal("10")
    people = [PartnerFactory() for _ in range(8)]
    for p in people:
        for amount in ("12.00", "8.50", "30.25"):
            _earned(p, amount)
    finance = StaffFactory(role="finance")
    db.session.commit()
    client = app.test_client()
    assert login(client, finance.email).status_code == 302
    batch = _draft(client, db)
    _approve(client, batch)
    url = f"/admin/payouts/batches/{batch.id}/paid"
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    results = parallel_requests(
        app, 20, lambda c: c.post(url, data={"scope": "all", "reference": "BANK-PARALLEL"}),
        cookie=cookie)
    no_errors(results)
    assert [r.status_code for r in results] == [302] * 20
    db.session.rollback()  # end the test's read snapshot; see what the requests committed
    payouts = db.session.scalars(select(Payout)).all()
    assert len(payouts) == 8 and {p.status for p in payouts} == {"paid"}
    assert {p.amount for p in payouts} == {Decimal("50.75")}
    assert _count(db, AuditEntry, AuditEntry.action == "payout.mark_paid") == 8
    assert _count(db, AuditEntry, AuditEntry.action == "payout.send") == 8
    assert _count(db, Commission, Commission.status == "paid") == 24
    assert all(ledger.balance(p.id) == Decimal("0") for p in people)
    assert len(outbox.messages()) == 8
    assert db.session.scalar(select(PayoutBatch.status)) == "completed"
