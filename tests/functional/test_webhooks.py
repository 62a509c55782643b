"""Outgoing webhooks against a real HTTP receiver on loopback."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from sqlalchemy import select

from partner_portal.jobs import registry, runner
from partner_portal.models import AuditEntry, WebhookDelivery
from partner_portal.models.base import utcnow
from partner_portal.services import audit, webhooks

from ..support.webhooks import allow, receiver  # noqa: F401 (a fixture)

SYSTEM = audit.Actor.system("test")


def deliver_now(app):
    return runner.run(app, registry.get("webhook-deliveries"))


def test_a_signed_event_reaches_the_receiver(app, db, receiver):
    endpoint = webhooks.create_endpoint(receiver.url, ["partner.applied"], "CRM", actor=SYSTEM, now=utcnow())
    webhooks.emit("partner.applied", {"partner_id": 7, "email": "a@example.test"}, now=utcnow())
    webhooks.emit("payout.paid", {"payout_id": 1}, now=utcnow())  # not subscribed
    db.session.commit()
    record = deliver_now(app)
    assert record.result.startswith("1 delivered")
    [(headers, body)] = receiver.requests
    payload = json.loads(body)
    assert payload["type"] == "partner.applied" and payload["data"]["partner_id"] == 7
    assert headers["PartnerPortal-Event"] == "partner.applied"
    signature = headers["PartnerPortal-Signature"]
    assert webhooks.verify(signature, body, endpoint.secrets[0], now=int(time.time()))
    assert not webhooks.verify(signature, body + b" ", endpoint.secrets[0], now=int(time.time()))
    assert not webhooks.verify(signature, body, "whsec_wrong", now=int(time.time()))
    assert not webhooks.verify(signature, body, endpoint.secrets[0], now=int(time.time()) + 3600)
    db.session.expire_all()
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.status == "delivered" and delivery.last_status_code == 200


def test_failures_are_retried_with_backoff_then_given_up(app, db, receiver):
    webhooks.create_endpoint(receiver.url, ["conversion.created"], "", actor=SYSTEM, now=utcnow())
    webhooks.emit("conversion.created", {"id": 1}, now=utcnow())
    db.session.commit()
    receiver.status = 500
    deliver_now(app)
    db.session.rollback()  # a fresh read, no transaction left open
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.status == "pending" and delivery.attempts == 1 and delivery.last_status_code == 500
    first_wait = delivery.next_attempt_at - delivery.last_attempt_at
    assert first_wait == timedelta(seconds=webhooks.BACKOFF[0])
    # Not due yet: nothing is sent.
    deliver_now(app)
    assert len(receiver.requests) == 1
    # Each later attempt waits longer; after the last one the delivery is given up.
    waits = [first_wait]
    for _ in range(webhooks.MAX_ATTEMPTS - 1):
        db.session.rollback()  # a fresh read, no transaction left open
        delivery = db.session.scalar(select(WebhookDelivery))
        delivery.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        deliver_now(app)
        db.session.rollback()  # a fresh read, no transaction left open
        delivery = db.session.scalar(select(WebhookDelivery))
        if delivery.next_attempt_at:
            waits.append(delivery.next_attempt_at - delivery.last_attempt_at)
    assert delivery.status == "failed" and delivery.attempts == webhooks.MAX_ATTEMPTS
    assert waits == sorted(waits) and len(set(waits)) == len(waits)
    assert len(receiver.requests) == webhooks.MAX_ATTEMPTS


def test_an_unreachable_receiver_is_recorded(app, db):
    with allow(app):
        webhooks.create_endpoint("http://127.0.0.2:9/nothing-listens", ["payout.paid"], "",
                                 actor=SYSTEM, now=utcnow())
        webhooks.emit("payout.paid", {"payout_id": 3}, now=utcnow())
        db.session.commit()
        deliver_now(app)
    db.session.expire_all()
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.status == "pending" and delivery.last_error and delivery.last_status_code is None


def test_rotation_signs_with_every_secret_until_old_ones_retire(app, db, receiver):
    endpoint = webhooks.create_endpoint(receiver.url, ["*"], "", actor=SYSTEM, now=utcnow())
    old = endpoint.secrets[0]
    new = webhooks.rotate_secret(endpoint.id, actor=SYSTEM, now=utcnow())
    webhooks.emit("statement.ready", {"statement_id": 1}, now=utcnow())
    db.session.commit()
    deliver_now(app)
    headers, body = receiver.requests[-1]
    now = int(time.time())
    assert webhooks.verify(headers["PartnerPortal-Signature"], body, old, now=now)
    assert webhooks.verify(headers["PartnerPortal-Signature"], body, new, now=now)
    webhooks.retire_old_secrets(endpoint.id, actor=SYSTEM, now=utcnow())
    webhooks.emit("statement.ready", {"statement_id": 2}, now=utcnow())
    db.session.commit()
    deliver_now(app)
    headers, body = receiver.requests[-1]
    assert not webhooks.verify(headers["PartnerPortal-Signature"], body, old, now=now)
    assert webhooks.verify(headers["PartnerPortal-Signature"], body, new, now=now)


def test_an_event_in_a_rolled_back_transaction_is_never_sent(app, db, receiver):
    webhooks.create_endpoint(receiver.url, ["*"], "", actor=SYSTEM, now=utcnow())
    db.session.commit()
    webhooks.emit("partner.approved", {"partner_id": 1}, now=utcnow())
    db.session.rollback()
    deliver_now(app)
    assert receiver.requests == []


def test_admin_adds_an_endpoint_and_redelivers(client, login_as, app, db, receiver):
    login_as("manager")
    bad = client.post("/admin/webhooks", data={"url": "ftp://x.example", "events": ["payout.paid"]})
    assert "Enter an http:// or https:// address." in bad.get_data(as_text=True)
    response = client.post("/admin/webhooks", data={"url": receiver.url, "description": "CRM",
                                                    "events": ["payout.paid"]})
    assert response.status_code == 302
    webhooks.emit("payout.paid", {"payout_id": 9}, now=utcnow())
    db.session.commit()
    deliver_now(app)
    delivery_id = db.session.scalar(select(WebhookDelivery.id))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "payout.paid" in page and "HTTP 200" in page and "whsec_" in page
    assert client.post(f"/admin/webhooks/deliveries/{delivery_id}/redeliver").status_code == 302
    deliver_now(app)
    assert len(receiver.requests) == 2
    assert json.loads(receiver.requests[0][1])["id"] == json.loads(receiver.requests[1][1])["id"]
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "webhook.redeliver"))


def test_analyst_cannot_see_secrets_or_change_endpoints(client, login_as, db, receiver):
    endpoint = webhooks.create_endpoint(receiver.url, ["*"], "", actor=SYSTEM, now=utcnow())
    db.session.commit()
    login_as("analyst")
    page = client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True)
    assert endpoint.secrets[0] not in page
    assert client.post(f"/admin/webhooks/{endpoint.id}/secrets/rotate").status_code == 403


def test_applying_and_approving_emit_partner_events(app, client, db, receiver, login_as):
    from ..factories import GroupFactory
    from .test_apply import GOOD

    webhooks.create_endpoint(receiver.url, ["partner.applied", "partner.approved"], "",
                             actor=SYSTEM, now=utcnow())
    group = GroupFactory(is_default=True)
    db.session.commit()
    client.post("/apply", data=GOOD)
    deliver_now(app)
    applied = json.loads(receiver.requests[-1][1])
    assert applied["type"] == "partner.applied" and applied["data"]["email"] == GOOD["email"]
    login_as("manager")
    partner_id = applied["data"]["id"]
    decided = client.post(f"/admin/partners/{partner_id}/decision/approve",
                          data={"group_id": group.id})
    assert decided.status_code == 302
    deliver_now(app)
    approved = json.loads(receiver.requests[-1][1])
    assert approved["type"] == "partner.approved" and approved["data"]["status"] == "approved"
