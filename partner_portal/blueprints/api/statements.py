"""Statements over the API: a list with cursor paging, and each PDF."""

from __future__ import annotations

import base64
import binascii
import json

from flask import Response, jsonify, request
from sqlalchemy import select

from ...extensions import db
from ...models import Statement
from ...models.base import utcnow
from ...services.errors import NotFound, ValidationError
from ...services.money import round_money
from ...services.program import program_zone
from ...services.statements.months import parse_month
from . import bp

DEFAULT_LIMIT, MAX_LIMIT = 50, 200


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode().rstrip("=")


def decode_cursor(value: str) -> int:
    try:
        padded = value + "=" * (-len(value) % 4)
        after = json.loads(base64.urlsafe_b64decode(padded.encode()))["after"]
        if not isinstance(after, int) or after < 0:
            raise ValueError
        return after
    except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError):
        raise ValidationError("This cursor is not one we gave out; start without it.",
                              field="cursor") from None


def _int_arg(name: str, default: int | None = None, *, minimum: int = 1,
             maximum: int | None = None) -> int | None:
    value = request.args.get(name)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValidationError(f"{name} must be a whole number.", field=name) from None
    if number < minimum or (maximum is not None and number > maximum):
        raise ValidationError(f"{name} must be between {minimum} and {maximum or 'any'}.",
                              field=name)
    return number


def statement_body(s: Statement) -> dict:
    money = lambda v: str(round_money(v, s.currency))  # noqa: E731
    return {
        "id": s.id, "partner_id": s.partner_id, "month": s.month, "version": s.version,
        "month_to_date": s.month_to_date, "currency": s.currency,
        "opening_balance": money(s.opening_balance), "closing_balance": money(s.closing_balance),
        "credits": money(s.credits), "debits": money(s.debits), "pending": money(s.pending_amount),
        "sha256": s.sha256, "size": s.size, "generated_at": s.generated_at.isoformat(),
        "as_of": s.as_of.isoformat(), "pdf_url": f"/api/v1/statements/{s.id}/pdf",
    }


@bp.route("/statements")
def list_statements():
    """Current statements, oldest id first; filter by ``partner_id`` and ``month``."""
    limit = _int_arg("limit", DEFAULT_LIMIT, maximum=MAX_LIMIT)
    partner_id = _int_arg("partner_id")
    query = select(Statement).where(Statement.superseded_at.is_(None))
    if partner_id is not None:
        query = query.where(Statement.partner_id == partner_id)
    if request.args.get("month"):
        month = parse_month(request.args["month"], now=utcnow(), zone=program_zone())
        query = query.where(Statement.month == str(month))
    if request.args.get("cursor"):
        query = query.where(Statement.id > decode_cursor(request.args["cursor"]))
    rows = list(db.session.scalars(query.order_by(Statement.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return jsonify({"data": [statement_body(s) for s in rows],
                    "next_cursor": encode_cursor(rows[-1].id) if more else None})


@bp.route("/statements/<int:statement_id>/pdf")
def statement_pdf(statement_id: int):
    statement = db.session.get(Statement, statement_id)
    if statement is None:
        raise NotFound("No such statement.")
    return Response(statement.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{statement.filename}"',
        "Digest": "sha-256=" + base64.b64encode(bytes.fromhex(statement.sha256)).decode(),
        "X-Content-SHA256": statement.sha256})
