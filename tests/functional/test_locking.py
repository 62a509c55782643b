"""Read-modify-write under real concurrency stays exact on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from decimal import Decimal

from sqlalchemy import select

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
