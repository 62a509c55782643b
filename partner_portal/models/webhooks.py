"""Outgoing webhooks: endpoints managers configure, and a delivery outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .tracking import BigId

WEBHOOK_EVENTS = ("partner.applied", "partner.approved", "conversion.created",
                  "commission.approved", "commission.reversed", "payout.paid", "statement.ready")
DELIVERY_STATUSES = ("pending", "delivered", "failed")
# What the latest attempt came to (None while it is in flight, or when the process sending
# it stopped before it could record the outcome).
ATTEMPT_OUTCOMES = ("delivered", "http_error", "redirect", "network_error", "refused", "unknown")


class WebhookEndpoint(db.Model):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    # Comma-separated event names, or "*" for all.
    events: Mapped[str] = mapped_column(Text, default="*")
    # Signing secrets, newest last; during a rotation every secret signs each delivery.
    secrets: Mapped[list] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def event_list(self) -> list[str]:
        return [e for e in self.events.split(",") if e]

    def wants(self, event: str) -> bool:
        return self.is_active and ("*" in self.event_list or event in self.event_list)


class WebhookDelivery(db.Model):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status_valid"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
                                             index=True)
    event: Mapped[str] = mapped_column(String(40))
    # The event's id: the same for every endpoint and every retry (receivers dedupe on it).
    event_id: Mapped[str] = mapped_column(String(40), index=True)
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # Attempts claimed so far; an attempt is claimed (committed) before its request is
    # sent, so this never undercounts what a receiver saw.
    attempts: Mapped[int] = mapped_column(default=0)
    # Attempts made before the latest redelivery: the retry schedule restarts from there.
    retry_from: Mapped[int] = mapped_column(default=0, server_default="0")
    # When the delivery is next due; while an attempt is in flight, when it may be retried
    # if its outcome is never recorded.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the latest attempt was claimed, and by which process (host and pid).
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    last_outcome: Mapped[str | None] = mapped_column(String(16))
    last_outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # The start of the latest response body, kept only when a public address answered.
    last_response: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    endpoint = relationship("WebhookEndpoint")

    @property
    def in_flight(self) -> bool:
        """The latest attempt was claimed and its outcome is not (yet) recorded."""
        return self.attempts > 0 and self.last_outcome is None
