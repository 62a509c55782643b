"""Two people drafting the same batch at the same instant get one batch, on SQLite (a real
database file) and on PostgreSQL: real threads, real requests, no mocks."""

from __future__ import annotations

import threading
from datetime import timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from partner_portal.models import Payout, PayoutBatch, PayoutItem
from partner_portal.models.base import utcnow
from partner_portal.services.program import get_program

from ..factories import CommissionFactory, PartnerFactory, StaffFactory
from ..support import login

pytestmark = pytest.mark.slow


def test_two_people_creating_a_batch_at_the_same_moment_get_one(app, db):
    get_program().min_payout = Decimal("10")
    yesterday = utcnow() - timedelta(days=1)
    partners = [PartnerFactory() for _ in range(6)]
    for p in partners:
        for amount in ("12.00", "8.50", "30.25"):
            CommissionFactory(partner=p, amount=Decimal(amount), created_at=yesterday - timedelta(days=2),
                              approved_at=yesterday - timedelta(days=2))
    people = [StaffFactory(role=role) for role in ("finance", "owner", "finance", "owner")]
    db.session.commit()
    cutoff = yesterday.astimezone(timezone.utc).date().isoformat()

    clients = []
    for person in people:
        client = app.test_client()
        assert login(client, person.email).status_code == 302
        clients.append(client)
    start = threading.Barrier(len(clients))
    results, errors = [None] * len(clients), []

    def create(i, client):
        try:
            start.wait()
            results[i] = client.post("/admin/payouts/batches", data={"cutoff": cutoff})
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert all(r.status_code == 302 for r in results), [r.status_code for r in results]
    locations = {r.headers["Location"] for r in results}
    db.session.expire_all()
    batches = db.session.scalars(select(PayoutBatch)).all()
    assert len(batches) == 1
    assert locations == {f"/admin/payouts/batches/{batches[0].id}"}
    assert db.session.scalar(select(func.count()).select_from(Payout)) == len(partners)
    assert db.session.scalar(select(func.count()).select_from(PayoutItem)) == 3 * len(partners)
    assert {p.amount for p in batches[0].payouts} == {Decimal("50.75")}
