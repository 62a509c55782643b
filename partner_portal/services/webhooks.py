"""Outgoing webhooks: an outbox written in the same transaction as the change it reports,
delivered by the scheduler with retries and exponential backoff, signed with HMAC-SHA256
over the timestamp and the body.

Signature header (one ``v1`` per active secret, so receivers can rotate without a gap)::

    PartnerPortal-Signature: t=1763900000,v1=5257a869e7…,v1=9f86d081…

A receiver computes ``HMAC_SHA256(secret, f"{t}.{raw_body}")`` in hex, compares it in
constant time with any ``v1``, and rejects timestamps more than five minutes old.

Delivery is at least once, never twice per attempt: each attempt is claimed (its number,
the process that claimed it, when it may be retried) in a committed transaction before the
request goes out, and its outcome is recorded in another after. If the process stops or
the outcome cannot be recorded, the delivery is tried again only after its backoff, as the
next attempt, with the same ``PartnerPortal-Delivery`` id: receivers dedupe on it.

Endpoints reach public addresses only (``outgoing``): a URL that names or resolves to a
loopback, private, link-local, multicast or reserved address is refused when saved and
again at every attempt, and a redirect is never followed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets as secrets_module
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ..extensions import db
from ..models import WebhookDelivery, WebhookEndpoint
from ..models.webhooks import WEBHOOK_EVENTS
from . import audit, outgoing
from .errors import Conflict, NotFound, ValidationError
from .settings_cache import cached

SIGNATURE_HEADER = "PartnerPortal-Signature"
DELIVERY_HEADER = "PartnerPortal-Delivery"  # the same on every attempt: receivers dedupe on it
ATTEMPT_HEADER = "PartnerPortal-Attempt"
# Seconds to wait before attempt 2, 3, …; after the last, the delivery is marked failed.
BACKOFF = (60, 300, 1800, 7200, 21600, 43200, 86400)
MAX_ATTEMPTS = len(BACKOFF) + 1
# How long one attempt may take in all; a claim is held at least CLAIM_SECONDS, so an
# attempt still in flight is never claimed again.
TIMEOUT_SECONDS = 10.0
CLAIM_SECONDS = 60
TOLERANCE_SECONDS = 300


# --- signing ---------------------------------------------------------------------------

def signature_header(secrets: list[str], timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    parts = [f"t={timestamp}"]
    parts += [f"v1={hmac.new(s.encode(), signed, hashlib.sha256).hexdigest()}" for s in secrets]
    return ",".join(parts)


def verify(header: str, body: bytes, secret: str, *, now: int,
           tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiver does (used by our tests and shown in the docs)."""
    try:
        items = [part.split("=", 1) for part in header.split(",")]
        timestamp = int(next(v for k, v in items if k == "t"))
    except (ValueError, StopIteration):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return any(k == "v1" and hmac.compare_digest(v, expected) for k, v in items)


def new_secret() -> str:
    return "whsec_" + secrets_module.token_urlsafe(32)


# --- endpoints ---------------------------------------------------------------------------

def _clean_url(url: str) -> str:
    """An http(s) URL whose host is public (or a name that does not resolve yet)."""
    url = (url or "").strip()
    if len(url) > 2000:
        raise ValidationError("The address is too long.", field="url")
    try:
        outgoing.check_url(url)
    except outgoing.InvalidURL as exc:
        raise ValidationError(str(exc), field="url") from None
    except outgoing.Refused as exc:
        raise ValidationError(f"Webhooks go to public addresses only: {exc.message}.",
                              field="url") from None
    return url


def _clean_events(events: list[str]) -> str:
    unknown = [e for e in events if e not in WEBHOOK_EVENTS and e != "*"]
    if unknown or not events:
        raise ValidationError("Choose at least one event.", field="events")
    return ",".join(events)


def create_endpoint(url: str, events: list[str], description: str, *, actor: audit.Actor,
                    now: datetime) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(url=_clean_url(url), events=_clean_events(events),
                               description=(description or "").strip()[:200],
                               secrets=[new_secret()], created_at=now)
    db.session.add(endpoint)
    db.session.flush()
    audit.record(actor, "webhook.create", "webhook_endpoint", endpoint.id,
                 after={"url": endpoint.url, "events": endpoint.events}, now=now)
    return endpoint


def update_endpoint(endpoint_id: int, *, url: str, events: list[str], description: str,
                    is_active: bool, actor: audit.Actor, now: datetime) -> WebhookEndpoint:
    endpoint = _get(endpoint_id)
    fields = ("url", "events", "description", "is_active")
    before = audit.snapshot(endpoint, fields)
    url = (url or "").strip()
    if url != endpoint.url or is_active:  # an endpoint can always be switched off
        url = _clean_url(url)
    endpoint.url, endpoint.events = url, _clean_events(events)
    endpoint.description, endpoint.is_active = (description or "").strip()[:200], is_active
    db.session.flush()
    audit.record(actor, "webhook.update", "webhook_endpoint", endpoint.id, before=before,
                 after=audit.snapshot(endpoint, fields), now=now)
    return endpoint


def rotate_secret(endpoint_id: int, *, actor: audit.Actor, now: datetime) -> str:
    """Add a new secret; both sign deliveries until the old one is retired."""
    endpoint = _get(endpoint_id)
    secret = new_secret()
    endpoint.secrets = [*endpoint.secrets, secret][-3:]
    db.session.flush()
    audit.record(actor, "webhook.rotate_secret", "webhook_endpoint", endpoint.id,
                 after={"secrets": len(endpoint.secrets)}, now=now)
    return secret


def retire_old_secrets(endpoint_id: int, *, actor: audit.Actor, now: datetime) -> None:
    endpoint = _get(endpoint_id)
    endpoint.secrets = endpoint.secrets[-1:]
    db.session.flush()
    audit.record(actor, "webhook.retire_secrets", "webhook_endpoint", endpoint.id,
                 after={"secrets": 1}, now=now)


def _get(endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound("No such webhook endpoint.")
    return endpoint


# --- events and deliveries ---------------------------------------------------------------

def partner_data(partner) -> dict:
    """The partner as webhooks show it (no secrets, no internal notes)."""
    return {"id": partner.id, "ref": partner.ref, "name": partner.name, "email": partner.email,
            "status": partner.status, "country": partner.country,
            "group_id": partner.group_id, "website": partner.website,
            "created_at": partner.created_at.isoformat() if partner.created_at else None}


def commission_data(commission) -> dict:
    return {"id": commission.id, "partner_id": commission.partner_id,
            "offer_id": commission.offer_id, "conversion_id": commission.conversion_id,
            "kind": commission.kind, "status": commission.status,
            "amount": str(commission.amount), "currency": commission.currency,
            "reverses_id": commission.reverses_id, "explanation": commission.explanation}


def conversion_data(conversion) -> dict:
    return {"id": conversion.id, "offer_id": conversion.offer_id, "order_id": conversion.order_id,
            "partner_id": conversion.partner_id, "event": conversion.event,
            "status": conversion.status, "amount": str(conversion.amount),
            "currency": conversion.currency, "customer_id": conversion.customer_id,
            "occurred_at": conversion.occurred_at.isoformat()}


def _load_subscriptions() -> tuple[tuple[int, frozenset[str]], ...]:
    return tuple((e.id, frozenset(e.event_list)) for e in db.session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.is_active.is_(True))
        .order_by(WebhookEndpoint.id)))


def subscribers(event: str) -> list[int]:
    """The active endpoints that want ``event`` (cached per worker: ``settings_cache``)."""
    return [endpoint_id for endpoint_id, events in cached("webhook_endpoints", _load_subscriptions)
            if "*" in events or event in events]


def emit(event: str, data: dict, *, now: datetime) -> list[WebhookDelivery]:
    """Queue ``event`` for every endpoint that wants it, in the caller's transaction: it is
    sent only if the change it reports is committed."""
    if event not in WEBHOOK_EVENTS:
        raise ValueError(f"unknown webhook event {event}")
    endpoint_ids = subscribers(event)
    if not endpoint_ids:
        return []
    event_id = "evt_" + secrets_module.token_hex(12)
    payload = {"id": event_id, "type": event, "created": now.isoformat(), "data": data}
    deliveries = [WebhookDelivery(endpoint_id=endpoint_id, event=event, event_id=event_id,
                                  payload=payload, next_attempt_at=now, created_at=now)
                  for endpoint_id in endpoint_ids]
    db.session.add_all(deliveries)
    db.session.flush()
    return deliveries


@dataclass(frozen=True)
class Claim:
    """One attempt at one delivery, claimed and committed before it is sent."""

    delivery_id: int
    attempt: int
    final: bool  # no retry after this one
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Outcome:
    kind: str  # one of ATTEMPT_OUTCOMES but "unknown"
    status_code: int | None = None
    error: str | None = None
    response: str | None = None


def claim_next(*, worker: str, now: datetime) -> Claim | None:
    """Claim the next due delivery for one attempt, or None when nothing is due.

    The caller begins a write transaction (``locking.begin_write``) and commits right
    after, before sending. The claim is an ``UPDATE … WHERE`` that only succeeds while the
    delivery is still pending and due with the attempt count read, so two schedulers
    never claim the same attempt (on PostgreSQL the row is picked with ``SKIP LOCKED``,
    so they do not even wait for each other). It moves ``next_attempt_at`` to when the
    delivery may be tried again should its outcome never be recorded.
    """
    skip_locked = db.session.get_bind().dialect.name == "postgresql"
    for _ in range(100):  # a claim lost to another scheduler: pick the next one
        query = (select(WebhookDelivery)
                 .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
                 .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(1)
                 .execution_options(populate_existing=True))
        if skip_locked:
            query = query.with_for_update(skip_locked=True)
        delivery = db.session.scalar(query)
        if delivery is None:
            return None
        made = delivery.attempts - delivery.retry_from
        if made >= MAX_ATTEMPTS:  # the last attempt never recorded its outcome
            _give_up(delivery, now=now)
            continue
        number = delivery.attempts + 1
        final = made + 1 >= MAX_ATTEMPTS
        retry_at = now + timedelta(seconds=CLAIM_SECONDS if final else BACKOFF[made])
        claimed = db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery.id, WebhookDelivery.status == "pending",
                   WebhookDelivery.attempts == delivery.attempts,
                   WebhookDelivery.next_attempt_at <= now)
            .values(attempts=number, last_attempt_at=now, next_attempt_at=retry_at,
                    claimed_by=worker[:200], last_outcome=None, last_outcome_at=None)
            .execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            db.session.expire(delivery)
            continue
        claim = _claim(delivery, number, final, now)
        db.session.expire(delivery)
        return claim
    return None


def _claim(delivery: WebhookDelivery, number: int, final: bool, now: datetime) -> Claim:
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json", "User-Agent": "partner-portal-webhooks/1",
        SIGNATURE_HEADER: signature_header(endpoint.secrets, int(now.timestamp()), body),
        "PartnerPortal-Event": delivery.event, "PartnerPortal-Event-Id": delivery.event_id,
        DELIVERY_HEADER: str(delivery.id), ATTEMPT_HEADER: str(number)}
    return Claim(delivery.id, number, final, endpoint.url, body, headers)


def _give_up(delivery: WebhookDelivery, *, now: datetime) -> None:
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery.id, WebhookDelivery.status == "pending",
               WebhookDelivery.attempts == delivery.attempts)
        .values(status="failed", next_attempt_at=None, last_outcome="unknown",
                last_outcome_at=now,
                last_error="The outcome of the last attempt was never recorded.")
        .execution_options(synchronize_session=False))
    db.session.expire(delivery)


def send(claim: Claim, *, timeout: float = TIMEOUT_SECONDS) -> Outcome:
    """Make the claimed attempt (no database work: nothing is held open meanwhile)."""
    try:
        response = outgoing.post(claim.url, claim.body, claim.headers, timeout=timeout)
    except outgoing.Refused as exc:
        return Outcome("refused", error=f"Refused, nothing was sent: {exc.message}. "
                                        "Webhooks go to public addresses only.")
    except outgoing.InvalidURL as exc:
        return Outcome("refused", error=f"Refused, nothing was sent: {exc}")
    except outgoing.SendFailed as exc:
        return Outcome("network_error", error=exc.message[:500])
    text = response.body.decode("utf-8", "replace")[:500] if response.body is not None else None
    if response.is_redirect:
        return Outcome("redirect", status_code=response.status,
                       error="Redirect not followed: webhooks are delivered to the saved "
                             "address only.")
    if 200 <= response.status < 300:
        return Outcome("delivered", status_code=response.status, response=text)
    return Outcome("http_error", status_code=response.status, response=text)


def record_outcome(claim: Claim, outcome: Outcome, *, now: datetime) -> str | None:
    """Record what the claimed attempt came to (the caller begins a write transaction
    and commits); returns the delivery's status, or None when the delivery has moved on
    since the claim (nothing is changed then)."""
    values: dict = {"last_outcome": outcome.kind, "last_outcome_at": now,
                    "last_status_code": outcome.status_code, "last_error": outcome.error,
                    "last_response": outcome.response}
    if outcome.kind == "delivered":
        status = "delivered"
        values.update(status=status, delivered_at=now, next_attempt_at=None)
    elif claim.final:
        status = "failed"
        values.update(status=status, next_attempt_at=None)
    else:
        status = "pending"  # next_attempt_at stays where the claim put it: the backoff
    result = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == claim.delivery_id, WebhookDelivery.status == "pending",
               WebhookDelivery.attempts == claim.attempt)
        .values(**values).execution_options(synchronize_session=False))
    return status if result.rowcount == 1 else None


def redeliver(delivery_id: int, *, actor: audit.Actor, now: datetime) -> WebhookDelivery:
    """Queue a delivered or failed delivery again, with a fresh retry schedule; the
    attempt numbers go on from where they were."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound("No such delivery.")
    if delivery.status == "pending":
        raise Conflict("This delivery is still queued: it is sent at its next attempt.")
    before = {"status": delivery.status, "attempts": delivery.attempts}
    delivery.status, delivery.next_attempt_at = "pending", now
    delivery.retry_from = delivery.attempts
    db.session.flush()
    audit.record(actor, "webhook.redeliver", "webhook_delivery", delivery.id, before=before,
                 after={"status": "pending"}, now=now)
    return delivery
