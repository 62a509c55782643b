"""Cursor paging: lists are ordered by id, and the cursor is the last id seen, opaque to
the caller. New rows never shift a page the way offsets do."""

from __future__ import annotations

import base64
import binascii
import json

from ...extensions import db
from .problems import RequestProblem


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode().rstrip("=")


def decode_cursor(value: str) -> int:
    try:
        padded = value + "=" * (-len(value) % 4)
        after = json.loads(base64.urlsafe_b64decode(padded.encode()))["after"]
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            raise ValueError
        return after
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise RequestProblem(422, "This cursor is not one we gave out; start without it.",
                             field="cursor") from None


def page(query, id_column, params) -> tuple[list, str | None]:
    """One page of ``query`` (a select of one entity) after ``params.cursor``."""
    if params.cursor:
        query = query.where(id_column > decode_cursor(params.cursor))
    rows = list(db.session.scalars(query.order_by(id_column).limit(params.limit + 1)))
    more = len(rows) > params.limit
    rows = rows[:params.limit]
    return rows, (encode_cursor(rows[-1].id) if more and rows else None)


def where_given(query, *pairs):
    """``query`` narrowed to ``column == value`` for each pair whose value was given."""
    for column, value in pairs:
        if value not in (None, ""):
            query = query.where(column == value)
    return query


def listing(query, id_column, params, out):
    """The answer of a list endpoint: one page of ``query``, each row through ``out``
    (which builds its ``*Out`` model); the route's page model checks and writes it."""
    rows, cursor = page(query, id_column, params)
    return {"data": [out(row) for row in rows], "next_cursor": cursor}
