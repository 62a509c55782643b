"""Write transactions that stay exact under concurrency, on SQLite and PostgreSQL.

SQLite ignores ``SELECT … FOR UPDATE``: a read-then-write sequence there is made safe by
starting the transaction with ``BEGIN IMMEDIATE``, which takes the database's write lock up
front (other writers wait, ``busy_timeout`` is 30 s). On PostgreSQL, use row locks
(``for_update``) or atomic conditional ``UPDATE … WHERE`` statements; advisory locks
(``pg_advisory_xact_lock``) serialise work that has no row to lock yet.

A row lock only helps if what is changed is what was read under it: the session keeps one
object per row, and a plain ``SELECT … FOR UPDATE`` hands back the object it already holds
as it was loaded before the lock (a view that looked the row up first, a read before
``begin_write_after_reads``). ``for_update`` is the one way to lock here: it also refreshes
the object from the row it locked.
"""

from __future__ import annotations

import logging
import zlib
from typing import TypeVar

from sqlalchemy import Select, event, text
from sqlalchemy.orm import Session, SessionTransaction

from ..db_sqlite import WRITE_SESSION
from ..extensions import db

log = logging.getLogger(__name__)
# Session.info: (root transaction, "IMMEDIATE" or "DEFERRED") of the transaction that has
# a connection, recorded by the session's ``after_begin`` event.
_BEGUN = "pp_begun"
# Session.info: the kind of unit of work a request runs ("write", "read" or "reads_first").
UNIT = "pp_unit"


def write_session(session: Session | None = None) -> None:
    """Make the session's unit of work a write from here on: this transaction and every
    one it begins after a commit take the write lock first (SQLite: ``BEGIN IMMEDIATE``;
    elsewhere nothing changes). Call it before the first query; a transaction that has
    only read so far is ended first, as ``begin_write_after_reads`` does. ``end_write_session``
    ends it."""
    session = session or db.session()
    session.info[WRITE_SESSION] = True
    begin_write_after_reads(session)


def end_write_session(session: Session | None = None) -> None:
    """End the write session: roll back what was not committed (releasing the write lock)
    and begin plain transactions again."""
    session = session or db.session()
    if session.info.pop(WRITE_SESSION, None):
        session.rollback()


S = TypeVar("S", bound=Select)


def for_update(stmt: S, *, skip_locked: bool = False) -> S:
    """``stmt`` reading its rows under a row lock (PostgreSQL ``FOR UPDATE``; SQLite's
    write transaction already excludes other writers) and overwriting the session's copy
    of each row with what was read, so a read-modify-write acts on the current row, never
    on an object loaded before the lock."""
    return stmt.with_for_update(skip_locked=skip_locked).execution_options(
        populate_existing=True)


def begin_write(session: Session | None = None) -> None:
    """Begin the current unit of work as a write transaction.

    Call it before the first query of the unit of work (a job or CLI command calls it,
    then the service reads and writes, then the caller commits; a request is already a
    write session, see ``blueprints/units.py``). A service that must run in a write
    transaction calls it too, as a check. On SQLite this emits ``BEGIN IMMEDIATE``;
    elsewhere it is a no-op. Already in a write transaction, nothing happens; in one that
    began as a plain read it refuses to go on (its write could fail or act on stale reads).
    """
    session = session or db.session()
    state = _sqlite_state(session)
    if state in (None, "write"):
        return
    if state == "read":
        raise RuntimeError("begin_write() must be called before the transaction's first query")
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def begin_write_after_reads(session: Session | None = None) -> None:
    """Turn a unit of work that has only read so far into a write transaction.

    On SQLite the reads' transaction (a plain, deferred one) ends — nothing was written, and
    what it loaded stays loaded rather than expiring — and ``BEGIN IMMEDIATE`` starts the
    write transaction: checks and lookups that need no write lock (an API key, a partner
    reference, parsing) run before the lock is taken, so writers hold it for less time.
    Anything that must be exact (a duplicate check, counters, caps) is read after this
    call. When the transaction already is a write transaction, and on other databases,
    nothing happens."""
    session = session or db.session()
    state = _sqlite_state(session)
    if state in (None, "write"):
        return
    if state == "fresh":
        begin_write(session)
        return
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("begin_write_after_reads() after a change: call begin_write() first")
    expire = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()  # read-only: ends the read snapshot, writes nothing
    finally:
        session.expire_on_commit = expire
    begin_write(session)


def _sqlite_state(session: Session) -> str | None:
    """None off SQLite; else "fresh" (no transaction on a connection yet), "write"
    (BEGIN IMMEDIATE) or "read" (a plain transaction that has already read)."""
    if session.get_bind().dialect.name != "sqlite":
        return None
    transaction = session.get_transaction()
    begun = session.info.get(_BEGUN)
    if transaction is None or begun is None or begun[0] is not transaction:
        return "fresh"
    return "write" if begun[1] == "IMMEDIATE" else "read"


@event.listens_for(Session, "after_begin")
def _record_begin(session: Session, transaction: SessionTransaction, connection) -> None:
    if transaction.parent is not None:
        return  # a savepoint: the root transaction's record stands
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    session.info[_BEGUN] = (transaction, mode)


@event.listens_for(Session, "after_transaction_end")
def _forget_begin(session: Session, transaction: SessionTransaction) -> None:
    begun = session.info.get(_BEGUN)
    if begun is not None and begun[0] is transaction:
        del session.info[_BEGUN]


@event.listens_for(Session, "before_flush")
def _refuse_writes_in_reads(session: Session, flush_context, instances) -> None:
    """A request that only reads (GET) must not write: on SQLite its plain transaction
    fails with "database is locked" once another writer has committed since its first
    read. Such a view is marked ``@writes`` (blueprints/units.py). Loud in tests, a
    warning elsewhere."""
    if session.info.get(UNIT) != "read" or _sqlite_state(session) != "read":
        return
    if not (session.new or session.dirty or session.deleted):
        return
    from flask import current_app, has_request_context, request

    where = request.endpoint if has_request_context() else "?"
    message = (f"{where} writes in a read-only request: mark the view @writes so it begins "
               "with the write lock")
    if current_app.config.get("TESTING"):
        raise RuntimeError(message)
    log.warning(message)


def advisory_lock(key: str, session: Session | None = None) -> None:
    """Serialise on ``key`` until the transaction ends (PostgreSQL advisory lock; on SQLite
    the IMMEDIATE transaction already serialises writers)."""
    session = session or db.session()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                        {"k": zlib.crc32(key.encode()) - 2**31})
