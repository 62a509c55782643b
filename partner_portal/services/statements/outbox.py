"""The statement email outbox: each partner gets each month's statement email once.

One row per (partner, month, kind), made when the statement is to be emailed. Delivery
(``jobs/statements.deliver_emails``) takes one row at a time:

1. ``claim``: ``pending → sending``, a Message-ID is fixed, and this is COMMITTED before
   anything is said to the mail server;
2. the message goes out (``mail/tracked.transmit``);
3. ``record_sent`` (``sending → sent``) or ``record_refused`` / ``record_unknown``, committed.

A crash between 1 and 3 leaves the row ``sending``. Every sender holds the same lock
(the ``statement-emails`` job lock), so a run that finds a ``sending`` row knows its
sender died: ``sweep_interrupted`` marks it ``failed`` ("may have been delivered") for a
person to check (by its Message-ID in the mail server's log) and resend. We choose
at-most-once: a statement email is never sent twice by the machine; the price of a crash
at the wrong moment is one row an admin looks at. A server that provably refused (no
connection, 4xx) puts the row back to ``pending`` for another try, up to ``MAX_ATTEMPTS``.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import and_, func, select

from ...extensions import db
from ...models import Partner, Statement, StatementEmail
from .. import audit, notifications
from ..errors import NotFound
from ..lifecycle import STATEMENT_EMAIL
from .months import Month

KIND = "statement"
MAX_ATTEMPTS = 3
INTERRUPTED = ("Interrupted while sending: the message may or may not have been delivered. "
               "Check the mail server's log for its Message-ID before resending.")


def _locked(email_id: int) -> StatementEmail | None:
    query = select(StatementEmail).where(StatementEmail.id == email_id)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return db.session.scalar(query)


def queue(month: Month | str, *, now: datetime, after: int = 0, limit: int = 500) -> tuple[int, int, int]:
    """Make outbox rows for current statements of ``month`` that have none (the next
    ``limit`` by statement id after ``after``). Returns (queued, skipped, last id seen);
    partners who turned statement emails off get a ``skipped`` row."""
    has_row = select(StatementEmail.id).where(and_(
        StatementEmail.partner_id == Statement.partner_id, StatementEmail.month == Statement.month,
        StatementEmail.kind == KIND)).exists()
    rows = db.session.execute(
        select(Statement.id, Statement.partner_id, Partner.email, Partner.statement_emails)
        .join(Partner, Partner.id == Statement.partner_id)
        .where(Statement.month == str(month), Statement.superseded_at.is_(None),
               Statement.id > after, ~has_row)
        .order_by(Statement.id).limit(limit)).all()
    queued = skipped = 0
    for statement_id, partner_id, email, wanted in rows:
        db.session.add(StatementEmail(
            partner_id=partner_id, month=str(month), kind=KIND, statement_id=statement_id,
            to_address=email, status="pending" if wanted else "skipped", created_at=now,
            last_error=None if wanted else "The partner turned statement emails off."))
        queued, skipped = queued + bool(wanted), skipped + (not wanted)
    db.session.flush()
    return queued, skipped, rows[-1][0] if rows else after


def sweep_interrupted(now: datetime) -> int:
    """Mark rows left ``sending`` by a sender that died as ``failed``. Call it only while
    holding the statement-emails lock (then no live sender owns a ``sending`` row)."""
    swept = 0
    for row in db.session.scalars(select(StatementEmail).where(StatementEmail.status == "sending")):
        STATEMENT_EMAIL.apply(row, "mark_failed")
        row.failed_at, row.last_error = now, INTERRUPTED
        swept += 1
    db.session.flush()
    return swept


def pending_ids(*, month: Month | str | None = None, after: int = 0, limit: int = 200) -> list[int]:
    query = select(StatementEmail.id).where(StatementEmail.status == "pending",
                                            StatementEmail.id > after)
    if month is not None:
        query = query.where(StatementEmail.month == str(month))
    return list(db.session.scalars(query.order_by(StatementEmail.id).limit(limit)))


def count_pending(month: Month | str | None = None) -> int:
    query = select(func.count()).select_from(StatementEmail).where(StatementEmail.status == "pending")
    if month is not None:
        query = query.where(StatementEmail.month == str(month))
    return db.session.scalar(query) or 0


def claim(email_id: int, *, now: datetime, domain: str = "localhost") -> StatementEmail | None:
    """``pending → sending`` with a fresh Message-ID (the caller commits before sending).
    None when the row is not pending any more; a partner who opted out meanwhile is
    ``skipped`` instead."""
    row = _locked(email_id)
    if row is None or row.status != "pending":
        return None
    partner = db.session.get(Partner, row.partner_id)
    if not partner.statement_emails:
        STATEMENT_EMAIL.apply(row, "skip")
        row.last_error = "The partner turned statement emails off."
        db.session.flush()
        return None
    STATEMENT_EMAIL.apply(row, "start")
    row.attempts += 1
    row.sending_at, row.to_address = now, partner.email
    row.message_id = (f"<statement.{row.partner_id}.{row.month}.{row.attempts}."
                      f"{secrets.token_hex(6)}@{domain}>")
    db.session.flush()
    return row


def message_for(row: StatementEmail):
    statement = db.session.get(Statement, row.statement_id)
    partner = db.session.get(Partner, row.partner_id)
    mail = notifications.statement_ready(partner, statement)
    mail.to = row.to_address
    return mail


def record_sent(email_id: int, *, now: datetime) -> StatementEmail:
    row = _locked(email_id)
    STATEMENT_EMAIL.apply(row, "mark_sent")
    row.sent_at, row.last_error = now, None
    db.session.flush()
    return row


def record_refused(email_id: int, error: str, *, transient: bool, now: datetime) -> StatementEmail:
    """The server provably did not take it: try again later while attempts remain."""
    row = _locked(email_id)
    if transient and row.attempts < MAX_ATTEMPTS:
        STATEMENT_EMAIL.apply(row, "retry")
    else:
        STATEMENT_EMAIL.apply(row, "mark_failed")
        row.failed_at = now
    row.last_error = f"Not delivered: {error}"[:4000]
    db.session.flush()
    return row


def record_unknown(email_id: int, error: str, *, now: datetime) -> StatementEmail:
    row = _locked(email_id)
    STATEMENT_EMAIL.apply(row, "mark_failed")
    row.failed_at = now
    row.last_error = f"{INTERRUPTED} ({error})"[:4000]
    db.session.flush()
    return row


def resend(email_id: int, *, actor: audit.Actor, now: datetime) -> StatementEmail:
    """An admin decides a failed statement email should go (again): ``failed → pending``."""
    row = _locked(email_id)
    if row is None:
        raise NotFound("No such statement email.")
    before = audit.snapshot(row, ["status", "attempts", "last_error", "message_id"])
    STATEMENT_EMAIL.apply(row, "resend")  # InvalidTransition unless it failed
    # Send the current version of the statement.
    current = db.session.scalar(select(Statement.id).where(
        Statement.partner_id == row.partner_id, Statement.month == row.month,
        Statement.superseded_at.is_(None)))
    if current is not None:
        row.statement_id = current
    db.session.flush()
    audit.record(actor, "statement.resend", "statement_email", row.id, before=before,
                 after=audit.snapshot(row, ["status", "statement_id"]),
                 note=f"partner #{row.partner_id}, {row.month}", now=now)
    return row


def get(email_id: int) -> StatementEmail:
    row = db.session.get(StatementEmail, email_id)
    if row is None:
        raise NotFound("No such statement email.")
    return row


def set_preference(partner_id: int, wanted: bool) -> None:
    """The partner's own choice whether statements are emailed to them."""
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise NotFound("No such partner.")
    partner.statement_emails = wanted
    db.session.flush()
