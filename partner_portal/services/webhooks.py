"""Outgoing webhooks: an outbox written in the same transaction as the change it reports,
delivered by the scheduler with retries and exponential backoff, signed with HMAC-SHA256
over the timestamp and the body.

Signature header (one ``v1`` per active secret, so receivers can rotate without a gap)::

    PartnerPortal-Signature: t=1763900000,v1=5257a869e7…,v1=9f86d081…

A receiver computes ``HMAC_SHA256(secret, f"{t}.{raw_body}")`` in hex, compares it in
constant time with any ``v1``, and rejects timestamps more than five minutes old.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets as secrets_module
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from ..extensions import db
from ..models import WebhookDelivery, WebhookEndpoint
from ..models.webhooks import WEBHOOK_EVENTS
from . import audit
from .errors import NotFound, ValidationError
from .settings_cache import cached

SIGNATURE_HEADER = "PartnerPortal-Signature"
# Seconds to wait before attempt 2, 3, …; after the last, the delivery is marked failed.
BACKOFF = (60, 300, 1800, 7200, 21600, 43200, 86400)
MAX_ATTEMPTS = len(BACKOFF) + 1
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
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        raise ValidationError("Enter an http:// or https:// address.", field="url")
    if len(url) > 2000:
        raise ValidationError("The address is too long.", field="url")
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
    endpoint.url, endpoint.events = _clean_url(url), _clean_events(events)
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


def due(now: datetime, limit: int = 100) -> list[int]:
    query = (select(WebhookDelivery.id).where(WebhookDelivery.status == "pending",
                                              WebhookDelivery.next_attempt_at <= now)
             .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit))
    return list(db.session.scalars(query))


def attempt(delivery_id: int, *, now: datetime, timeout: float = 10.0) -> WebhookDelivery:
    """POST one delivery and record what happened (the caller commits)."""
    query = select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    delivery = db.session.scalar(query)
    if delivery is None or delivery.status != "pending":
        return delivery
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(now.timestamp())
    request = urllib.request.Request(endpoint.url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "partner-portal-webhooks/1",
        SIGNATURE_HEADER: signature_header(endpoint.secrets, timestamp, body),
        "PartnerPortal-Event": delivery.event, "PartnerPortal-Event-Id": delivery.event_id,
        "PartnerPortal-Delivery": str(delivery.id)})
    delivery.attempts += 1
    delivery.last_attempt_at = now
    code, error, response_text = None, None, None
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            code = response.status
            response_text = response.read(500).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        code = exc.code
        response_text = exc.read(500).decode("utf-8", "replace") if exc.fp else None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        error = str(getattr(exc, "reason", exc))[:500]
    delivery.last_status_code, delivery.last_error, delivery.last_response = code, error, response_text
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = "failed", None
    else:
        delivery.next_attempt_at = now + timedelta(seconds=BACKOFF[delivery.attempts - 1])
    db.session.flush()
    return delivery


def redeliver(delivery_id: int, *, actor: audit.Actor, now: datetime) -> WebhookDelivery:
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound("No such delivery.")
    before = {"status": delivery.status, "attempts": delivery.attempts}
    delivery.status, delivery.next_attempt_at, delivery.attempts = "pending", now, 0
    db.session.flush()
    audit.record(actor, "webhook.redeliver", "webhook_delivery", delivery.id, before=before,
                 after={"status": "pending"}, now=now)
    return delivery
