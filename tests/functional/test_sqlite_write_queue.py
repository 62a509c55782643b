"""SQLite write transactions queue on a lock file, so a waiting writer starts as soon as the
one before it commits instead of sleeping through SQLite's busy back-off."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import create_engine, text

from partner_portal.db_sqlite import QueuedWriteConnection, configure_sqlite, engine_options

from ..support.conversions import run_threads


@pytest.fixture()
def engine(tmp_path):
    """A file database configured as the app configures its own."""
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    engine = create_engine(url, **engine_options({}, url))
    configure_sqlite(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO counter VALUES (0)"))
    yield engine
    engine.dispose()


def _write(engine):
    return engine.connect().execution_options(sqlite_begin="IMMEDIATE")


def test_file_databases_get_the_queueing_connection(engine):
    with engine.connect() as conn:
        assert isinstance(conn.connection.dbapi_connection, QueuedWriteConnection)
    assert engine_options({"pool_pre_ping": True}, "sqlite://") == {"pool_pre_ping": True}
    assert "connect_args" not in engine_options({}, "postgresql://localhost/x")


def test_the_next_writer_starts_when_the_first_commits(engine):
    first = _write(engine)
    first.begin()
    first.execute(text("UPDATE counter SET n = n + 1"))
    started = threading.Event()
    finished: list[float] = []

    def second():
        with _write(engine) as conn, conn.begin():
            started.set()
            conn.execute(text("UPDATE counter SET n = n * 10"))
        finished.append(time.monotonic())

    thread = threading.Thread(target=second)
    thread.start()
    assert not started.wait(0.3), "the second writer began while the first held the queue"
    committed = time.monotonic()
    first.commit()
    first.close()
    thread.join(10)
    assert finished and finished[0] - committed < 0.25  # not a busy-handler sleep of 1 s
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar() == 10  # (0 + 1) * 10


def test_rollback_and_close_leave_the_queue(engine):
    for end in ("rollback", "close"):
        conn = _write(engine)
        conn.begin()
        conn.execute(text("UPDATE counter SET n = n + 1"))
        getattr(conn, end)()
        if end == "rollback":
            conn.close()
        with _write(engine) as other, other.begin():  # would wait 30 s if still queued
            other.execute(text("UPDATE counter SET n = n + 1"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar() == 2  # the two that committed


def test_a_writer_gives_up_after_the_timeout_with_database_is_locked(tmp_path):
    path = str(tmp_path / "q.db")
    holder = sqlite3.connect(path, factory=QueuedWriteConnection)
    waiter = sqlite3.connect(path, factory=QueuedWriteConnection)
    holder.join_write_queue(path + "-write-queue")
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        waiter.join_write_queue(path + "-write-queue", timeout=0.2)
    assert 0.2 <= time.monotonic() - started < 2
    holder.rollback()  # leaves the queue
    waiter.join_write_queue(path + "-write-queue", timeout=0.2)
    waiter.close()
    holder.close()


def test_concurrent_writers_lose_no_update(engine):
    threads, each, errors = 8, 25, []

    def worker(_i):
        try:
            for _ in range(each):
                with _write(engine) as conn, conn.begin():
                    n = conn.execute(text("SELECT n FROM counter")).scalar()
                    conn.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
        except Exception as exc:  # surfaced below
            errors.append(exc)

    run_threads(threads, worker)
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar() == threads * each
