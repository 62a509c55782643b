"""Exact counters on SQLite and PostgreSQL: create the row if missing, then change it with
one atomic ``UPDATE … RETURNING`` (optionally conditional), so concurrent writers never
lose an increment and a limit is never passed.

On PostgreSQL the UPDATE takes the row lock and re-checks its WHERE clause against the
latest committed row, so ``used + n <= limit`` holds however many transactions race. On
SQLite the caller's ``BEGIN IMMEDIATE`` (``locking.begin_write``) serialises writers.

The statements are built once per shape and reused with bound parameters: counters sit on
the conversion and click paths.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select, update

from ..extensions import db
from .inserts import insert_text, with_defaults

_STATEMENTS: dict[tuple, Any] = {}


def insert_ignore(model, **values) -> None:
    """INSERT the row unless one with the same unique key exists (either dialect)."""
    dialect = db.session.get_bind().dialect
    values = with_defaults(model.__table__, values)
    shape = ("insert", model, dialect.name, tuple(values))
    stmt = _STATEMENTS.get(shape)
    if stmt is None:
        stmt = insert_text(model.__table__, list(values), "ON CONFLICT DO NOTHING", dialect=dialect)
        _STATEMENTS[shape] = stmt
    db.session.execute(stmt, values)


def _exists(model, keys: tuple[str, ...]):
    shape = ("exists", model, keys)
    stmt = _STATEMENTS.get(shape)
    if stmt is None:
        table = model.__table__
        stmt = select(1).where(*[table.c[k] == bindparam(f"k_{k}") for k in keys])
        _STATEMENTS[shape] = stmt
    return stmt


def _statement(model, keys: tuple[str, ...], deltas: tuple[str, ...], returning: tuple[str, ...],
               limited: str | None):
    shape = (model, keys, deltas, returning, limited)
    stmt = _STATEMENTS.get(shape)
    if stmt is None:
        table = model.__table__
        stmt = (update(table)
                .where(*[table.c[k] == bindparam(f"k_{k}") for k in keys])
                .values({table.c[d]: table.c[d] + bindparam(f"d_{d}") for d in deltas})
                .returning(*[table.c[r] for r in returning]))
        if limited:
            stmt = stmt.where(table.c[limited] + bindparam(f"d_{limited}") <= bindparam("limit"))
        _STATEMENTS[shape] = stmt
    return stmt


def bump(model, key: dict[str, Any], deltas: dict[str, int], returning: tuple[str, ...], *,
         limit: tuple[str, int] | None = None, create: dict | None = None):
    """Add ``deltas`` to the row matching ``key`` and return the ``returning`` columns after
    the change — or None when ``limit`` (column, maximum) refused it: the column plus its
    delta would pass the maximum. With ``create``, a missing row is inserted first."""
    stmt = _statement(model, tuple(key), tuple(deltas), returning, limit[0] if limit else None)
    params = {f"k_{k}": v for k, v in key.items()}
    params.update({f"d_{d}": v for d, v in deltas.items()})
    if limit:
        params["limit"] = limit[1]
    row = db.session.execute(stmt, params).first()
    if row is None and create is not None:
        if limit and db.session.execute(_exists(model, tuple(key)), params).first() is not None:
            return None  # the row is there: the limit refused the change
        insert_ignore(model, **key, **create)
        row = db.session.execute(stmt, params).first()
    return row
