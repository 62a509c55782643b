"""Statements over the API: a list with cursor paging, and each PDF."""

from __future__ import annotations

import base64

from flask import Response
from sqlalchemy import select

from ...extensions import db
from ...models import Statement
from ...models.base import utcnow
from ...services.errors import NotFound
from ...services.money import round_money
from ...services.program import program_zone
from ...services.statements.months import parse_month
from . import ID, bp
from .cursor_paging import listing, where_given
from .schemas import Problem, StatementOut, StatementPage, StatementQuery
from .spec import current_query, operation


def statement_out(s: Statement) -> StatementOut:
    def money(value) -> str:
        return str(round_money(value, s.currency))

    return StatementOut(
        id=s.id, partner_id=s.partner_id, month=s.month, version=s.version,
        month_to_date=s.month_to_date, currency=s.currency,
        opening_balance=money(s.opening_balance), closing_balance=money(s.closing_balance),
        credits=money(s.credits), debits=money(s.debits), pending=money(s.pending_amount),
        sha256=s.sha256, size=s.size, generated_at=s.generated_at, as_of=s.as_of,
        pdf_url=f"/api/v1/statements/{s.id}/pdf")


@bp.get("/statements")
@operation("statements:read", tags=("statements",), query=StatementQuery,
           ok={"HTTP_200": StatementPage, "HTTP_422": Problem})
def list_statements():
    """Current statements (the latest version of each), oldest first; filter by
    `partner_id` and `month` (YYYY-MM)."""
    q = current_query()
    month = str(parse_month(q.month, now=utcnow(), zone=program_zone())) if q.month else None
    query = where_given(select(Statement).where(Statement.superseded_at.is_(None)),
                        (Statement.partner_id, q.partner_id), (Statement.month, month))
    return listing(query, Statement.id, q, statement_out)


@bp.get(f"/statements/<{ID}:statement_id>/pdf")
@operation("statements:read", tags=("statements",), ok={"HTTP_200": None}, not_found=True,
           produces="application/pdf")
def statement_pdf(statement_id: int):
    """The statement's PDF, byte for byte as emailed; `X-Content-SHA256` carries its
    digest."""
    statement = db.session.get(Statement, statement_id)
    if statement is None:
        raise NotFound("No such statement.")
    return Response(statement.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{statement.filename}"',
        "Digest": "sha-256=" + base64.b64encode(bytes.fromhex(statement.sha256)).decode(),
        "X-Content-SHA256": statement.sha256})
