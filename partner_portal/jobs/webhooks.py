"""The webhook delivery job: claim an attempt, send it, record its outcome.

Each attempt is two short transactions with the request between them, so no transaction
(and on SQLite, no write lock) is held while a receiver takes its time:

1. claim: ``BEGIN IMMEDIATE`` on SQLite, the next due delivery taken with an atomic
   ``UPDATE … WHERE`` (picked with ``SKIP LOCKED`` on PostgreSQL), committed;
2. the POST, to the address the outgoing guard checked;
3. the outcome, recorded and committed.

A process that stops, or a database that refuses the outcome, between 2 and 3 leaves the
claim in place: the delivery is tried again after its backoff, as the next attempt.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models.base import utcnow
from ..services import webhooks
from ..services.locking import begin_write

log = logging.getLogger(__name__)


@dataclass
class Summary:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    unrecorded: int = 0

    def line(self) -> str:
        text = f"{self.delivered} delivered, {self.retrying} to retry, {self.failed} given up"
        if self.unrecorded:
            text += (f", {self.unrecorded} sent but not recorded (tried again after "
                     "their backoff)")
        return text


def worker_name() -> str:
    thread = threading.current_thread().name
    return f"{socket.gethostname()} pid {os.getpid()} {thread}"


def deliver_due(*, limit: int = 200, timeout: float = webhooks.TIMEOUT_SECONDS) -> Summary:
    """Send up to ``limit`` due deliveries, one attempt each."""
    summary = Summary()
    worker = worker_name()
    for _ in range(limit):
        db.session.commit()  # nothing left open from before
        begin_write()
        claim = webhooks.claim_next(worker=worker, now=utcnow())
        db.session.commit()
        if claim is None:
            break
        outcome = webhooks.send(claim, timeout=timeout)
        try:
            begin_write()
            status = webhooks.record_outcome(claim, outcome, now=utcnow())
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("webhook delivery %s attempt %s: outcome not recorded",
                          claim.delivery_id, claim.attempt)
            summary.unrecorded += 1
            continue
        if status == "delivered":
            summary.delivered += 1
        elif status == "failed":
            summary.failed += 1
        elif status == "pending":
            summary.retrying += 1
    return summary
