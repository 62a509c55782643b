"""Exact counters on SQLite and PostgreSQL: create the row if missing, then change it with
one atomic ``UPDATE … RETURNING`` (optionally conditional), so concurrent writers never
lose an increment and a limit is never passed.

On PostgreSQL the UPDATE takes the row lock and re-checks its WHERE clause against the
latest committed row, so ``used + n <= limit`` holds however many transactions race. On
SQLite the caller's ``BEGIN IMMEDIATE`` (``locking.begin_write``) serialises writers.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db


def insert_ignore(model, **values) -> None:
    """INSERT the row unless one with the same unique key exists (either dialect)."""
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    db.session.execute(module.insert(model).values(**values).on_conflict_do_nothing())


def bump(model, key: dict, changes: dict, returning: tuple, *, where=None, create: dict | None = None):
    """Apply ``changes`` (column → expression) to the row matching ``key``; returns the
    ``returning`` columns after the change, or None when ``where`` refused it. The row is
    created first (with ``create`` values) when it does not exist yet."""
    conditions = [getattr(model, name) == value for name, value in key.items()]
    if where is not None:
        conditions.append(where)
    stmt = (update(model).where(*conditions).values(**changes)
            .returning(*returning).execution_options(synchronize_session=False))
    row = db.session.execute(stmt).first()
    if row is None and create is not None:
        insert_ignore(model, **key, **create)
        row = db.session.execute(stmt).first()
    return row
