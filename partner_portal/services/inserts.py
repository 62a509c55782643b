"""Inserting a new row on a hot path without the ORM's unit of work.

``session.add(obj); session.flush()`` works out what to write (dependency sort, history,
events) before it sends one INSERT. For a single new row, ``insert_loaded`` sends the same
INSERT … RETURNING id as one prepared statement, then registers the object with the
session exactly as a flush would have: persistent, loaded, new in this transaction (a
rollback makes it new again); later changes to it flush as usual. Conversions, their
commissions and audit entries are inserted this way.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, inspect, text

from ..extensions import db

_STATEMENTS: dict[Any, Any] = {}
_MISSING = object()


def insert_text(table, columns: list[str], tail: str = "", *, dialect):
    """``INSERT INTO table (columns) VALUES (:columns) tail`` as text with typed parameters.

    SQLAlchemy does not cache the compiled form of ``on_conflict_do_nothing`` and
    ``on_conflict_do_update``, and compiling one costs more than running it; text with
    typed bind parameters is compiled once and still converts values (decimals, UTC
    times) as the column types do. SQLite and PostgreSQL share the ON CONFLICT syntax.
    Build it once per shape and keep it."""
    quote = dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join(':' + c for c in columns)}) {tail}").rstrip()
    return text(sql).bindparams(*[bindparam(c, type_=table.c[c].type) for c in columns])


def default_value(default):
    """The value a column's Python-side default gives a new row (None without one), as the
    ORM would fill it in: text statements do not apply column defaults."""
    if default is None:
        return None
    return default.arg if default.is_scalar else default.arg(None)


def with_defaults(table, values: dict) -> dict:
    """``values`` plus the default of every column of ``table`` they leave out."""
    filled = dict(values)
    for column in table.columns:
        if column.key not in filled and column.default is not None:
            filled[column.key] = default_value(column.default)
    return filled


def _plan(mapper, dialect, skip_duplicate: bool):
    """For a model: its insert statement and, per column, the attribute and its default."""
    plan = _STATEMENTS.get((mapper, dialect.name, skip_duplicate))
    if plan is None:
        table = mapper.local_table
        (pk,) = table.primary_key.columns
        columns = []
        for column in table.columns:
            if column is pk:
                continue
            required = column.default is None and not column.nullable
            columns.append((mapper.get_property_by_column(column).key, column.key, required,
                            column.default))
        tail = ("ON CONFLICT DO NOTHING " if skip_duplicate else "") + \
            f"RETURNING {dialect.identifier_preparer.quote(pk.name)}"
        statement = insert_text(table, [c[1] for c in columns], tail, dialect=dialect)
        plan = (statement, mapper.get_property_by_column(pk).key, tuple(columns))
        _STATEMENTS[(mapper, dialect.name, skip_duplicate)] = plan
    return plan


def insert_loaded(obj, *, skip_duplicate: bool = False) -> bool:
    """INSERT the new ``obj`` and attach it to the session as persistent, every column
    loaded. Columns the caller left unset take their default (or NULL), as in a flush; a
    NOT NULL column without a default must be set.

    With ``skip_duplicate``, a row that clashes with an existing one on a unique key is
    not inserted (INSERT … ON CONFLICT DO NOTHING: on PostgreSQL it waits for a concurrent
    insert of the same key to commit or roll back) and False is returned, ``obj`` left
    new. No savepoint is needed and the transaction carries on."""
    state = inspect(obj)
    if not state.transient:
        raise ValueError("insert_loaded() takes a new object")
    session = db.session()
    if session.autoflush and not session._is_clean():
        session.flush()  # what is pending first, as the flush that inserts obj would
    statement, pk_key, columns = _plan(state.mapper, session.get_bind().dialect,
                                       skip_duplicate)
    values: dict[str, Any] = {}
    for attr, column_key, required, default in columns:
        value = state.dict.get(attr, _MISSING)
        if value is _MISSING:
            if required:
                raise ValueError(f"insert_loaded(): set {type(obj).__name__}.{attr}")
            value = default_value(default)
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
