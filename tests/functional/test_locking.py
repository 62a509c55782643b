"""Read-modify-write under real concurrency stays exact on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from partner_portal.extensions import db as _db
from partner_portal.models import Program
from partner_portal.services.locking import advisory_lock, begin_write
from partner_portal.services.program import get_program


def test_concurrent_increments_are_not_lost(app, db):
    get_program().min_payout = Decimal("0")
    db.session.commit()
    threads, per_thread, errors = 8, 5, []

    def worker():
        try:
            with app.app_context():
                for _ in range(per_thread):
                    begin_write()
                    advisory_lock("test-counter")
                    program = _db.session.scalar(select(Program).with_for_update())
                    program.min_payout = program.min_payout + 1
                    _db.session.commit()
                _db.session.remove()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []
    db.session.expire_all()
    assert get_program().min_payout == threads * per_thread


def test_begin_write_must_come_first_on_sqlite(app, db):
    """On SQLite a transaction that already read cannot become IMMEDIATE; say so loudly.
    On PostgreSQL begin_write is a no-op (row locks do the work)."""
    import pytest

    db.session.scalar(select(Program.id))
    if db.engine.dialect.name == "sqlite":
        with pytest.raises(RuntimeError):
            begin_write()
    else:
        begin_write()


def test_every_request_that_may_write_is_a_write_unit_of_work(app):
    """One rule for every view: any method but GET/HEAD/OPTIONS begins with the write lock,
    and so does a GET that writes; only the declared hot path reads first."""
    from partner_portal.blueprints.units import unit_for

    with app.test_request_context():
        units = {}
        for rule in app.url_map.iter_rules():
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                units[(rule.endpoint, method)] = unit_for(rule.endpoint, method)
    reads_first = {key for key, unit in units.items() if unit == "reads_first"}
    assert reads_first == {("api.create_conversion", "POST")}
    assert all(unit != "read" for (endpoint, method), unit in units.items() if method != "GET")
    for endpoint in ("admin.api_key_revoke", "admin.announcement_archive", "auth.login",
                     "auth.apply", "partner.account_email_confirm"):
        assert units[(endpoint, "POST")] == "write"
    for endpoint in ("admin.payout_batch_export", "tracking.postback"):  # GETs that write
        assert units[(endpoint, "GET")] == "write"


def _sqlite_only(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL uses row locks")


def test_a_write_session_takes_the_write_lock_again_after_each_commit(app, db):
    """Sign-in commits the attempt, then writes again: every transaction of a write session
    begins with the write lock, so none can fail with "database is locked"."""
    import sqlite3

    from partner_portal.db_sqlite import QueuedWriteConnection, database_file
    from partner_portal.models import JobRun
    from partner_portal.services.locking import end_write_session, write_session

    _sqlite_only(db)
    path = database_file(db.engine.url)
    other = sqlite3.connect(path, factory=QueuedWriteConnection)
    try:
        write_session()
        db.session.scalar(select(func.count()).select_from(JobRun))
        db.session.commit()
        db.session.scalar(select(func.count()).select_from(JobRun))  # a new transaction
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            other.join_write_queue(path + "-write-queue", timeout=0.2)
        end_write_session()
        other.join_write_queue(path + "-write-queue", timeout=0.2)  # released
        other.leave_write_queue()
    finally:
        other.close()


def test_a_write_in_a_read_only_request_is_refused_in_tests(app, db):
    """A GET view that writes without being marked @writes is caught by the tests."""
    from partner_portal.models import JobRun
    from partner_portal.services.locking import UNIT

    _sqlite_only(db)
    db.session.commit()
    db.session.info[UNIT] = "read"
    try:
        db.session.scalar(select(func.count()).select_from(JobRun))
        db.session.add(JobRun(job_id="x", status="running"))
        with pytest.raises(RuntimeError, match="@writes"):
            db.session.flush()
    finally:
        db.session.info.pop(UNIT, None)
        db.session.rollback()
