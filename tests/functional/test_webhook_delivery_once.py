"""Each webhook attempt reaches the receiver once: the attempt is claimed and committed
before its request, so two schedulers at once, a failure to record the outcome, or a
process killed mid-attempt never send it again before its backoff.

Real threads and processes against the real database (SQLite file or PostgreSQL), and a
real receiver on 127.0.0.2 counting what it gets.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import event, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from partner_portal.models import WebhookDelivery
from partner_portal.models.base import utcnow
from partner_portal.services import audit, webhooks

from ..support.conversions import run_threads
from ..support.webhooks import ALLOWED, deliver, receiver  # noqa: F401 (a fixture)

SYSTEM = audit.Actor.system("test")
ROOT = Path(__file__).resolve().parents[2]


def deliveries(db) -> list[WebhookDelivery]:
    db.session.rollback()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def make_due(db) -> None:
    """As if the backoff had passed."""
    db.session.rollback()
    db.session.execute(update(WebhookDelivery).where(WebhookDelivery.status == "pending")
                       .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_two_schedulers_at_once_send_each_delivery_once(app, db, receiver):
    for n in range(4):
        webhooks.create_endpoint(receiver.url, ["conversion.created"], f"CRM {n}", actor=SYSTEM,
                                 now=utcnow())
    for n in range(6):
        webhooks.emit("conversion.created", {"id": n}, now=utcnow())
    db.session.commit()
    expected = [str(d.id) for d in deliveries(db)]
    assert len(expected) == 24
    receiver.delay = 0.01  # so the two runs overlap
    barrier = threading.Barrier(2)
    summaries: list = [None, None]

    def scheduler(i):
        barrier.wait()
        try:
            summaries[i] = deliver(app)
        except Exception as exc:  # reported below
            summaries[i] = exc

    run_threads(2, scheduler)
    assert not [s for s in summaries if isinstance(s, Exception)], summaries
    assert sorted(receiver.delivery_ids(), key=int) == expected  # each exactly once
    assert sum(s.delivered for s in summaries) == 24
    rows = deliveries(db)
    assert {(d.status, d.attempts) for d in rows} == {("delivered", 1)}
    assert all(d.claimed_by for d in rows)


def test_an_outcome_that_cannot_be_recorded_is_not_sent_again_before_its_backoff(
        app, client, login_as, db, receiver):
    endpoint = webhooks.create_endpoint(receiver.url, ["payout.paid"], "", actor=SYSTEM, now=utcnow())
    for n in range(3):
        webhooks.emit("payout.paid", {"payout_id": n}, now=utcnow())
    db.session.commit()
    job_thread = threading.get_ident()
    answered = threading.Event()
    receiver.on_request = lambda headers: answered.set()

    def fail_the_next_commit(session):
        # The receiver has answered: the commit recording that outcome fails, as a full
        # disk or a lost database connection would make it.
        if answered.is_set() and threading.get_ident() == job_thread:
            answered.clear()
            raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    event.listen(Session, "before_commit", fail_the_next_commit)
    try:
        summary = deliver(app)
    finally:
        event.remove(Session, "before_commit", fail_the_next_commit)
    assert summary.unrecorded == 3 and summary.delivered == 0
    assert Counter(receiver.delivery_ids()) == {str(d.id): 1 for d in deliveries(db)}

    # The next runs, before the backoff: nothing is sent again.
    deliver(app)
    deliver(app)
    assert len(receiver.requests) == 3
    rows = deliveries(db)
    assert {(d.status, d.attempts, d.last_outcome) for d in rows} == {("pending", 1, None)}
    login_as("manager")
    page = client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True)
    assert page.count("Sent; outcome not recorded") == 3 and "#1 at" in page

    # After the backoff: the next attempt, with the same delivery id for the receiver to
    # dedupe on, and its own attempt number.
    make_due(db)
    summary = deliver(app)
    assert summary.delivered == 3
    ids = receiver.delivery_ids()
    assert Counter(ids) == {str(d.id): 2 for d in rows}
    attempts = [(h["PartnerPortal-Delivery"], h["PartnerPortal-Attempt"]) for h, _ in receiver.requests]
    assert sorted(attempts) == sorted([(str(d.id), "1") for d in rows] + [(str(d.id), "2") for d in rows])
    assert {(d.status, d.attempts) for d in deliveries(db)} == {("delivered", 2)}
    page = client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True)
    assert "outcome not recorded" not in page and page.count("HTTP 200") == 3 and "#2 at" in page


JOB = """
from partner_portal import create_app
from partner_portal.jobs.webhooks import deliver_due
app = create_app("testing")
with app.app_context():
    deliver_due()
"""


def test_a_scheduler_killed_mid_attempt_does_not_send_it_again_before_its_backoff(app, db, receiver,
                                                                                   tmp_path):
    webhooks.create_endpoint(receiver.url, ["statement.ready"], "", actor=SYSTEM, now=utcnow())
    webhooks.emit("statement.ready", {"statement_id": 1}, now=utcnow())
    db.session.commit()
    arrived, release = threading.Event(), threading.Event()

    def hold(headers):
        arrived.set()
        release.wait(30)

    receiver.on_request = hold
    env = {**os.environ, "OUTGOING_ALLOWED_NETWORKS": ",".join(ALLOWED),
           "INSTANCE_DIR": str(tmp_path / "instance"),
           "TEST_DATABASE_URL": current_app.config["SQLALCHEMY_DATABASE_URI"]}
    process = subprocess.Popen([sys.executable, "-c", JOB], cwd=ROOT, env=env)
    try:
        assert arrived.wait(60), "the scheduler process never sent the delivery"
        process.send_signal(signal.SIGKILL)  # mid-attempt: sent, outcome never recorded
        process.wait(30)
    finally:
        release.set()
        if process.poll() is None:
            process.kill()
    receiver.on_request = None
    [delivery] = deliveries(db)
    assert (delivery.status, delivery.attempts, delivery.last_outcome) == ("pending", 1, None)
    assert delivery.next_attempt_at > utcnow()
    deliver(app)
    assert len(receiver.requests) == 1
    make_due(db)
    deliver(app)
    assert [h["PartnerPortal-Attempt"] for h, _ in receiver.requests] == ["1", "2"]
    assert deliveries(db)[0].status == "delivered"


def test_the_last_attempt_never_recorded_is_given_up_not_repeated(app, db, receiver):
    webhooks.create_endpoint(receiver.url, ["payout.paid"], "", actor=SYSTEM, now=utcnow())
    webhooks.emit("payout.paid", {"payout_id": 1}, now=utcnow())
    db.session.commit()
    db.session.execute(update(WebhookDelivery).values(
        attempts=webhooks.MAX_ATTEMPTS, last_attempt_at=utcnow() - timedelta(hours=2),
        next_attempt_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    summary = deliver(app)
    assert receiver.requests == [] and summary.delivered == 0
    [delivery] = deliveries(db)
    assert delivery.status == "failed" and delivery.last_outcome == "unknown"
    assert "never recorded" in delivery.last_error


def test_a_queued_delivery_cannot_be_redelivered_on_top_of_itself(client, login_as, db, receiver):
    webhooks.create_endpoint(receiver.url, ["payout.paid"], "", actor=SYSTEM, now=utcnow())
    webhooks.emit("payout.paid", {"payout_id": 1}, now=utcnow())
    db.session.commit()
    [delivery] = deliveries(db)
    login_as("manager")
    response = client.post(f"/admin/webhooks/deliveries/{delivery.id}/redeliver", follow_redirects=True)
    assert "still queued" in response.get_data(as_text=True)
    assert deliveries(db)[0].attempts == 0
