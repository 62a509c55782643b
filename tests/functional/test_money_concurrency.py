"""Every write that moves money, sent 20 times at once over HTTP to a live server, on the
test database (a SQLite file or PostgreSQL): conversions, refunds, manual adjustments,
payout state changes and batches. Each request runs in its own worker thread with its own
connection and transaction, as in production; what was answered and what is stored must
agree, refunds never exceed the sale, the rollups equal a rebuild and each state change
happens once."""

from __future__ import annotations

import threading
from datetime import timedelta, timezone
from decimal import Decimal

import pytest
import requests
from sqlalchemy import func, select

from partner_portal.extensions import db as _db
from partner_portal.models import (
    AuditEntry,
    Commission,
    Conversion,
    DailyStat,
    Payout,
    PayoutBatch,
    PayoutItem,
)
from partner_portal.models.base import utcnow
from partner_portal.services import api_keys, audit, ledger, rollups
from partner_portal.services.locking import begin_write
from partner_portal.services.program import get_program

from ..factories import CommissionFactory, LinkFactory, OfferFactory, PartnerFactory, StaffFactory
from ..support import DEFAULT_PASSWORD

pytestmark = pytest.mark.slow
N = 20
D = Decimal


def fire(n: int, send) -> list:
    """``send(i)`` from ``n`` threads released at the same moment; returns what each
    returned, or the exception it raised."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = send(i)
        except Exception as exc:  # returned to the test, which asserts there are none
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _db.session.rollback()  # the test's own reads start after the requests (SQLite snapshots)
    return results


def statuses(results) -> list:
    return sorted(r.status_code if isinstance(r, requests.Response) else repr(r) for r in results)


@pytest.fixture()
def shop(app, db, live_server):
    offer = OfferFactory(default_commission_kind="percent", default_commission_value=D("10"),
                         hold_days=30)
    partner = PartnerFactory()
    link = LinkFactory(offer=offer, partner=partner)
    _key, plain = api_keys.create("Shop", actor=audit.Actor.system("test"), now=utcnow())
    db.session.commit()
    codec = app.extensions["pp_click_codec"]
    return {"url": live_server.url, "offer": offer, "partner": partner,
            "auth": {"Authorization": f"Bearer {plain}"},
            "click_id": lambda: codec.encode(partner.id, offer.id, link.id,
                                             utcnow() - timedelta(hours=2))}


def post(shop, path: str, body: dict | None = None) -> requests.Response:
    return requests.post(shop["url"] + path, json=body, headers=shop["auth"], timeout=60)


def sale(shop, order_id: str, amount: str = "100.00") -> dict:
    response = post(shop, "/api/v1/conversions", {"order_id": order_id, "amount": amount,
                                                 "currency": "USD", "click_id": shop["click_id"]()})
    assert response.status_code == 201, response.text
    _db.session.rollback()
    return response.json()


def rollups_equal_a_rebuild(db) -> list[tuple]:
    def snapshot():
        db.session.expire_all()
        return sorted((s.day, s.offer_id, s.partner_id, s.sub1, s.conversions, s.revenue,
                       s.commission) for s in db.session.scalars(select(DailyStat))
                      if s.conversions or s.revenue or s.commission)

    live = snapshot()
    rollups.rebuild()
    db.session.commit()
    assert snapshot() == live
    return live


def signed_in(live_server, role: str = "finance") -> list[requests.Session]:
    """``N`` HTTP sessions of one staff member, each with its own cookie jar."""
    person = StaffFactory(role=role)
    _db.session.commit()
    first = requests.Session()
    response = first.post(live_server.url + "/login",
                          data={"email": person.email, "password": DEFAULT_PASSWORD},
                          allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.text[:300]
    sessions = []
    for _ in range(N):
        s = requests.Session()
        s.cookies.update(first.cookies)
        sessions.append(s)
    return sessions


def test_20_identical_conversions_record_one_sale_and_one_commission(db, shop):
    body = {"order_id": "SAME-1", "amount": "100.00", "currency": "USD",
            "click_id": shop["click_id"]()}
    results = fire(N, lambda i: post(shop, "/api/v1/conversions", body))
    assert statuses(results) == [200] * (N - 1) + [201]
    assert len({r.json()["id"] for r in results}) == 1
    assert db.session.scalar(select(func.count()).select_from(Conversion)) == 1
    assert db.session.scalar(select(func.count()).select_from(Commission)) == 1
    [row] = rollups_equal_a_rebuild(db)
    assert row[4:] == (1, D("100.00"), D("10.00"))


@pytest.mark.parametrize("approved", [False, True], ids=["pending", "approved"])
def test_20_parallel_partial_refunds_never_refund_more_than_the_sale(db, shop, approved):
    sale(shop, "R-1")
    if approved:
        db.session.expire_all()
        commission = db.session.scalar(select(Commission))
        commission.status, commission.approved_at = "approved", utcnow()
        db.session.commit()

    results = fire(N, lambda i: post(shop, "/api/v1/conversions/R-1/refund",
                                     {"amount": "10.00"}))
    assert statuses(results) == [200] * 10 + [422] * 10
    assert all(r.json()["field"] == "amount" for r in results if r.status_code == 422)
    # every 200 answered a different state: 10, 20, … 100 refunded
    assert sorted(D(r.json()["refunded_amount"]) for r in results if r.status_code == 200) == [
        D(10 * k) for k in range(1, 11)]
    db.session.expire_all()
    [conversion] = db.session.scalars(select(Conversion)).all()
    assert conversion.refunded_amount == D("100.00")
    rows = db.session.scalars(select(Commission).order_by(Commission.id)).all()
    credited = sum((c.amount for c in rows if c.status != "rejected"), D(0))
    assert credited == 0  # the ledger: nothing left of a fully refunded sale
    [row] = rollups_equal_a_rebuild(db)
    assert row[4:] == (1, D("0.00"), D("0.00"))
    stats = requests.get(shop["url"] + "/api/v1/stats", params={"group_by": "partner"},
                         headers=shop["auth"], timeout=30).json()["data"]
    assert [(s["revenue"], s["commission"]) for s in stats] == [("0.00", "0.00")]
    refunds = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "conversion.refund")).all()
    assert len(refunds) == 10


def test_20_parallel_full_refunds_refund_once(db, shop):
    sale(shop, "F-1")
    results = fire(N, lambda i: post(shop, "/api/v1/conversions/F-1/refund"))
    assert statuses(results) == [200] * N
    db.session.expire_all()
    assert db.session.scalar(select(Conversion.refunded_amount)) == D("100.00")
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "conversion.refund")) == 1
    [row] = rollups_equal_a_rebuild(db)
    assert row[4:] == (1, D("0.00"), D("0.00"))


def test_20_parallel_adjustments_are_each_booked_once(app, db, live_server):
    partner = PartnerFactory()
    db.session.commit()
    sessions = signed_in(live_server)
    url = f"{live_server.url}/admin/payouts/partners/{partner.id}/adjustments"
    results = fire(N, lambda i: sessions[i].post(url, data={"amount": "5.00", "reason": f"bonus {i}"},
                                                 allow_redirects=False, timeout=60))
    assert statuses(results) == [302] * N
    db.session.expire_all()
    bonuses = db.session.scalars(select(Commission).where(Commission.kind == "bonus")).all()
    assert sorted(b.explanation for b in bonuses) == sorted(f"Bonus: bonus {i}" for i in range(N))
    assert ledger.balance(partner.id, currency="USD") == D("100.00")
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "ledger.bonus")) == N


def _draft_batch(db, partners: int = 3) -> PayoutBatch:
    from partner_portal.jobs.payouts import create_batch_once

    get_program().min_payout = D("10")
    earned = utcnow() - timedelta(days=3)
    for _ in range(partners):
        CommissionFactory(partner=PartnerFactory(), amount=D("40.00"), created_at=earned,
                          approved_at=earned)
    db.session.commit()
    begin_write()
    batch, _created = create_batch_once((utcnow() - timedelta(days=1)).astimezone(timezone.utc).date(),
                                        actor=audit.Actor.system("test"), now=utcnow())
    db.session.commit()
    return batch


def test_20_people_drafting_one_batch_get_one_batch(db, live_server):
    get_program().min_payout = D("10")
    earned = utcnow() - timedelta(days=3)
    for _ in range(4):
        CommissionFactory(partner=PartnerFactory(), amount=D("25.00"), created_at=earned,
                          approved_at=earned)
    db.session.commit()
    cutoff = (utcnow() - timedelta(days=1)).astimezone(timezone.utc).date().isoformat()
    sessions = signed_in(live_server)
    results = fire(N, lambda i: sessions[i].post(live_server.url + "/admin/payouts/batches",
                                                 data={"cutoff": cutoff},
                                                 allow_redirects=False, timeout=60))
    assert statuses(results) == [302] * N
    db.session.expire_all()
    [batch] = db.session.scalars(select(PayoutBatch)).all()
    assert {r.headers["Location"] for r in results} == {f"/admin/payouts/batches/{batch.id}"}
    assert db.session.scalar(select(func.count()).select_from(Payout)) == 4
    assert db.session.scalar(select(func.count()).select_from(PayoutItem)) == 4
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "payout_batch.create")) == 1


def test_20_parallel_approvals_and_payments_change_each_state_once(db, live_server):
    batch = _draft_batch(db)
    batch_id = batch.id
    payout_id = db.session.scalars(select(Payout.id).order_by(Payout.id)).first()
    sessions = signed_in(live_server)

    def press(path, data=None):
        return fire(N, lambda i: sessions[i].post(live_server.url + path, data=data or {},
                                                  allow_redirects=False, timeout=60))

    included = [p for p in batch.payouts if not p.excluded]
    confirmed = {"payouts": len(included), "total": str(sum(p.amount for p in included))}
    for path, action, data in (
            (f"/admin/payouts/batches/{batch_id}/approve", "payout_batch.approve", confirmed),
            (f"/admin/payouts/{payout_id}/sent", "payout.send", {"reference": "T-1"}),
            (f"/admin/payouts/{payout_id}/paid", "payout.mark_paid", {"reference": "T-1"})):
        results = press(path, data)
        assert statuses(results) == [302] * N, path  # the others are told why, not a 500
        db.session.expire_all()
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == action)) == 1, action

    db.session.expire_all()
    payout = db.session.get(Payout, payout_id)
    assert payout.status == "paid"
    [item] = payout.items
    assert item.commission.status == "paid"
    assert ledger.balance(payout.partner_id, currency="USD") == D("0.00")


def test_20_payouts_of_one_batch_paid_at_once_complete_the_batch(db, live_server):
    from partner_portal.services import payouts

    batch = _draft_batch(db, partners=N)
    actor = audit.Actor.system("test")
    begin_write()
    payouts.approve_batch(batch.id, actor=actor, now=utcnow())
    payouts.mark_batch_sent(batch.id, None, "T-2", actor=actor, now=utcnow())
    db.session.commit()
    ids = db.session.scalars(select(Payout.id).order_by(Payout.id)).all()
    assert len(ids) == N
    sessions = signed_in(live_server)
    results = fire(N, lambda i: sessions[i].post(f"{live_server.url}/admin/payouts/{ids[i]}/paid",
                                                 data={"reference": f"T-2-{i}"},
                                                 allow_redirects=False, timeout=60))
    assert statuses(results) == [302] * N
    db.session.expire_all()
    assert {p.status for p in db.session.scalars(select(Payout))} == {"paid"}
    assert db.session.get(PayoutBatch, batch.id).status == "completed"
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "payout.mark_paid")) == N
