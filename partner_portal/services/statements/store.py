"""Stored statements: one current version per partner and month, new versions on
regeneration (audited), and the queries the pages and the API use."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, or_, select

from ...extensions import db
from ...models import Partner, Statement, StatementEmail
from .. import audit, webhooks
from ..errors import NotFound
from ..program import get_program
from . import data as statement_data
from . import render
from .months import Month

# Partners who get a statement: everyone who can hold a balance.
ELIGIBLE_STATUSES = ("approved", "suspended")


def eligible_filter(month: Month, zone: ZoneInfo):
    """Partners who get a statement for ``month``: approved or suspended now, and
    approved (or created) before the month ended."""
    return and_(Partner.status.in_(ELIGIBLE_STATUSES),
                func.coalesce(Partner.approved_at, Partner.created_at) < month.end(zone))


def current(partner_id: int, month: Month | str) -> Statement | None:
    return db.session.scalar(select(Statement).where(
        Statement.partner_id == partner_id, Statement.month == str(month),
        Statement.superseded_at.is_(None)))


def missing_partner_ids(month: Month, zone: ZoneInfo, *, after: int = 0, limit: int = 200) -> list[int]:
    """The next ``limit`` eligible partners (by id, after ``after``) with no current
    statement for ``month``: what a run still has to do."""
    has_current = exists().where(Statement.partner_id == Partner.id,
                                 Statement.month == str(month), Statement.superseded_at.is_(None))
    return list(db.session.scalars(
        select(Partner.id).where(eligible_filter(month, zone), ~has_current, Partner.id > after)
        .order_by(Partner.id).limit(limit)))


def count_missing(month: Month, zone: ZoneInfo) -> int:
    has_current = exists().where(Statement.partner_id == Partner.id,
                                 Statement.month == str(month), Statement.superseded_at.is_(None))
    return db.session.scalar(select(func.count()).select_from(Partner).where(
        eligible_filter(month, zone), ~has_current)) or 0


def count_eligible(month: Month, zone: ZoneInfo) -> int:
    return db.session.scalar(select(func.count()).select_from(Partner).where(
        eligible_filter(month, zone))) or 0


def _new_row(data: statement_data.StatementData, pdf: bytes, *, version: int,
             generated_by: str, now: datetime) -> Statement:
    return Statement(
        partner_id=data.partner_id, month=data.month, version=version, currency=data.currency,
        month_to_date=data.month_to_date, as_of=data.as_of, opening_balance=data.opening,
        closing_balance=data.closing, credits=data.credits, debits=data.debits,
        pending_amount=data.pending_total, sha256=render.sha256(pdf), size=len(pdf), pdf=pdf,
        generated_at=now, generated_by=generated_by[:255])


def _announce(statement: Statement, now: datetime) -> None:
    webhooks.emit("statement.ready", {
        "statement_id": statement.id, "partner_id": statement.partner_id,
        "month": statement.month, "version": statement.version, "sha256": statement.sha256,
        "month_to_date": statement.month_to_date}, now=now)


def save_first(data: statement_data.StatementData, pdf: bytes, *, generated_by: str,
               now: datetime) -> tuple[Statement, bool]:
    """Store version 1 unless a current version exists (then return it, unchanged).
    A concurrent writer that wins is caught by the unique index on the current version
    (the caller rolls back and counts it as done)."""
    existing = current(data.partner_id, data.month)
    if existing is not None:
        return existing, False
    latest = db.session.scalar(select(func.max(Statement.version)).where(
        Statement.partner_id == data.partner_id, Statement.month == data.month)) or 0
    statement = _new_row(data, pdf, version=latest + 1, generated_by=generated_by, now=now)
    db.session.add(statement)
    db.session.flush()
    _announce(statement, now)
    return statement, True


def regenerate(statement_id: int, *, actor: audit.Actor, now: datetime) -> Statement:
    """Render the partner's statement for that month again from today's ledger and make
    it the current version; the old version is kept, marked superseded. Audited."""
    old = db.session.get(Statement, statement_id, with_for_update=True)
    if old is None:
        raise NotFound("No such statement.")
    if old.superseded_at is not None:
        newer = current(old.partner_id, old.month)
        if newer is None:
            raise NotFound("No such statement.")
        old = newer
    program = get_program()
    zone = ZoneInfo(program.timezone)
    month = Month(int(old.month[:4]), int(old.month[5:]))
    data = statement_data.build(old.partner_id, month, now=now, zone=zone, currency=old.currency)
    pdf = render.render(data)
    old.superseded_at = now
    db.session.flush()  # frees the "current" slot before the new version takes it
    new = _new_row(data, pdf, version=old.version + 1, generated_by=actor.label, now=now)
    db.session.add(new)
    db.session.flush()
    audit.record(actor, "statement.regenerate", "statement", new.id,
                 before={"statement_id": old.id, "version": old.version, "sha256": old.sha256,
                         "closing_balance": old.closing_balance},
                 after={"statement_id": new.id, "version": new.version, "sha256": new.sha256,
                        "closing_balance": new.closing_balance},
                 note=f"partner #{new.partner_id}, {new.month}", now=now)
    _announce(new, now)
    return new


def get(statement_id: int, *, partner_id: int | None = None) -> Statement:
    """A statement by id (any version); with ``partner_id``, only that partner's."""
    statement = db.session.get(Statement, statement_id)
    if statement is None or (partner_id is not None and statement.partner_id != partner_id):
        raise NotFound("No such statement.")
    return statement


def for_partner(partner_id: int) -> list[Statement]:
    """The partner's current statements, newest month first."""
    return list(db.session.scalars(select(Statement).where(
        Statement.partner_id == partner_id, Statement.superseded_at.is_(None))
        .order_by(Statement.month.desc())))


def month_rows(month: Month, *, status: str | None = None, q: str | None = None):
    """Admin list: (statement, partner, email row or None) for the month's current
    statements, filtered by email status and partner name/email."""
    stmt = (select(Statement, Partner, StatementEmail)
            .join(Partner, Partner.id == Statement.partner_id)
            .outerjoin(StatementEmail, and_(StatementEmail.partner_id == Statement.partner_id,
                                            StatementEmail.month == Statement.month,
                                            StatementEmail.kind == "statement"))
            .where(Statement.month == str(month), Statement.superseded_at.is_(None)))
    if status == "not_emailed":
        stmt = stmt.where(StatementEmail.id.is_(None))
    elif status:
        stmt = stmt.where(StatementEmail.status == status)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Partner.name.ilike(like), Partner.email.ilike(like),
                              Partner.ref.ilike(like)))
    return stmt.order_by(Partner.name, Partner.id)


def month_counts(month: Month, zone: ZoneInfo) -> dict[str, int]:
    counts = {"eligible": count_eligible(month, zone), "generated": db.session.scalar(
        select(func.count()).select_from(Statement).where(
            Statement.month == str(month), Statement.superseded_at.is_(None))) or 0}
    for status, n in db.session.execute(
            select(StatementEmail.status, func.count()).where(StatementEmail.month == str(month))
            .group_by(StatementEmail.status)):
        counts[status] = n
    counts["missing"] = count_missing(month, zone)
    return counts
