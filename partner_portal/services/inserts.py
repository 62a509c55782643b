"""Inserting a new row on a hot path without the ORM's unit of work.

``session.add(obj); session.flush()`` works out what to write (dependency sort, history,
events) before it sends one INSERT. For a single new row whose values the caller has all
set, ``insert_loaded`` sends the same INSERT … RETURNING id as one Core statement, then
registers the object with the session exactly as a flush would have: persistent, loaded,
new in this transaction (a rollback makes it new again); later changes flush as usual. The conversion path uses it
for conversions and their commissions.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db

_STATEMENTS: dict[Any, Any] = {}
_MISSING = object()


def _plan(mapper, dialect: str, skip_duplicate: bool):
    """For a model: its insert statement and, per column, the attribute and its default."""
    plan = _STATEMENTS.get((mapper, dialect, skip_duplicate))
    if plan is None:
        table = mapper.local_table
        (pk,) = table.primary_key.columns
        columns = []
        for column in table.columns:
            if column is pk:
                continue
            default = column.default
            if default is None:
                required, fill = not column.nullable, None
            elif default.is_scalar:
                required, fill = False, default.arg
            else:  # computed (a callable): the caller sets it
                required, fill = True, None
            columns.append((mapper.get_property_by_column(column).key, column.key, required, fill))
        statement = (postgresql if dialect == "postgresql" else sqlite).insert(table)
        if skip_duplicate:
            statement = statement.on_conflict_do_nothing()
        plan = (statement.returning(pk), mapper.get_property_by_column(pk).key, tuple(columns))
        _STATEMENTS[(mapper, dialect, skip_duplicate)] = plan
    return plan


def insert_loaded(obj, *, skip_duplicate: bool = False) -> bool:
    """INSERT the new ``obj`` and attach it to the session as persistent, every column
    loaded. Columns the caller left unset take their scalar default (or NULL); a column
    whose default is computed must be set by the caller.

    With ``skip_duplicate``, a row that clashes with an existing one on a unique key is
    not inserted (INSERT … ON CONFLICT DO NOTHING: on PostgreSQL it waits for a concurrent
    insert of the same key to commit or roll back) and False is returned, ``obj`` left
    new. No savepoint is needed and the transaction carries on."""
    state = inspect(obj)
    if not state.transient:
        raise ValueError("insert_loaded() takes a new object")
    session = db.session()
    statement, pk_key, columns = _plan(state.mapper, session.get_bind().dialect.name,
                                       skip_duplicate)
    values: dict[str, Any] = {}
    for attr, column_key, required, fill in columns:
        value = state.dict.get(attr, _MISSING)
        if value is _MISSING:
            if required:
                raise ValueError(f"insert_loaded(): set {type(obj).__name__}.{attr}")
            value = fill
            setattr(obj, attr, value)
        values[column_key] = value
    pk = session.connection().execute(statement, values).scalar()
    if pk is None:
        return False
    session.add(obj)
    setattr(obj, pk_key, pk)
    # What a flush does once it has inserted a pending object: give it its identity, mark
    # its values as the stored ones, and note it as new in this transaction, so a rollback
    # turns it back into a new object rather than leaving a stale one in the identity map.
    session._register_persistent({state})
    return True
