"""SQLite settings for a web app with several threads or processes writing at once.

Write transactions (``BEGIN IMMEDIATE``) first queue on a lock file next to the database.
SQLite's own busy handler waits for its write lock by sleeping in growing steps (1, 2, 5,
10 … 100 ms), so a writer that finds the lock taken sleeps far longer than a write
transaction holds it (about 2 ms for a conversion) while the cores stand idle. An ``flock``
on the queue file is polled in steps of at most a millisecond instead, and the next writer
starts as soon as the previous one commits. SQLite's lock stays the one that guarantees
correctness: a writer that does not queue (the ``sqlite3`` shell, a deferred transaction
that writes) still waits on it as before.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
import weakref

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url

BUSY_TIMEOUT_S = 30
_FIRST_PAUSE_S = 0.0001
_LONGEST_PAUSE_S = 0.001


class QueuedWriteConnection(sqlite3.Connection):
    """A connection that takes the write queue's lock before ``BEGIN IMMEDIATE`` and leaves
    it once the transaction has committed or rolled back."""

    _queue_fd: int | None = None
    _queued: bool = False

    def join_write_queue(self, path: str, timeout: float = BUSY_TIMEOUT_S) -> None:
        if self._queued:
            return
        if self._queue_fd is None:
            self._queue_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline, pause = time.monotonic() + timeout, _FIRST_PAUSE_S
        while True:
            try:
                fcntl.flock(self._queue_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise sqlite3.OperationalError(
                        f"database is locked (no write transaction could start in {timeout} s)") from None
                time.sleep(pause)
                pause = min(pause * 2, _LONGEST_PAUSE_S)
        self._queued = True

    def leave_write_queue(self) -> None:
        if self._queued:
            self._queued = False
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.leave_write_queue()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.leave_write_queue()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.leave_write_queue()
            if self._queue_fd is not None:
                os.close(self._queue_fd)
                self._queue_fd = None


# ``Session.info`` key: every transaction this session begins is a write transaction.
WRITE_SESSION = "pp_write_session"
_write_engines: "weakref.WeakKeyDictionary[Engine, Engine]" = weakref.WeakKeyDictionary()


def write_engine(engine: Engine) -> Engine:
    """``engine`` whose transactions begin as ``BEGIN IMMEDIATE`` (one per engine, so a
    session's transaction always finds its connection under the same key)."""
    found = _write_engines.get(engine)
    if found is None:
        found = _write_engines[engine] = engine.execution_options(sqlite_begin="IMMEDIATE")
    return found


class Session(FlaskSession):
    """The app's session. Once ``info[WRITE_SESSION]`` is set (``locking.write_session``),
    each transaction it begins on SQLite is ``BEGIN IMMEDIATE``, including the ones after a
    commit, so a unit of work that writes never runs in a plain (deferred) transaction."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        engine = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        if (self.info.get(WRITE_SESSION) and isinstance(engine, Engine)
                and engine.dialect.name == "sqlite"):
            return write_engine(engine)
        return engine


def database_file(url: str | URL) -> str | None:
    """The file of a SQLite database URL; None for an in-memory one or another database."""
    url = make_url(url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return url.database


def engine_options(options: dict, uri: str) -> dict:
    """The engine options with the queueing connection class, for a file database."""
    if database_file(uri) is None:
        return options
    connect_args = {**options.get("connect_args", {}), "factory": QueuedWriteConnection}
    return {**options, "connect_args": connect_args}


def configure_sqlite(engine: Engine) -> None:
    if getattr(engine, "_pp_sqlite_configured", False):
        return
    path = database_file(engine.url)
    queue_path = f"{path}-write-queue" if path is not None else None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        # Let SQLAlchemy issue BEGIN itself (BEGIN IMMEDIATE where a write lock is needed).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        if queue_path is not None:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        raw = connection.connection.dbapi_connection
        # Only file databases get the queueing connection (``engine_options``).
        queued = mode != "DEFERRED" and isinstance(raw, QueuedWriteConnection)
        if queued:
            raw.join_write_queue(queue_path)
        try:
            connection.exec_driver_sql(f"BEGIN {mode}")
        except BaseException:
            if queued:
                raw.leave_write_queue()
            raise

    engine._pp_sqlite_configured = True
