"""Reading the audit log: filters, readable changes, CSV rows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Iterator

from sqlalchemy import Select, distinct, func, select

from ..extensions import db
from ..models import AuditEntry
from .program import program_zone, to_local


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


@dataclass
class Filters:
    actor: str = ""  # part of the actor's label (an email, "automatic rule …")
    action: str = ""  # exact action, or a prefix ending in "." ("partner.")
    subject_type: str = ""
    subject_id: str = ""
    date_from: date | None = None  # in the program's time zone, inclusive
    date_to: date | None = None

    @classmethod
    def from_args(cls, args) -> Filters:
        return cls(actor=(args.get("actor") or "").strip()[:254],
                   action=(args.get("action") or "").strip()[:64],
                   subject_type=(args.get("subject_type") or "").strip()[:32],
                   subject_id=(args.get("subject_id") or "").strip()[:64],
                   date_from=_date(args.get("date_from")), date_to=_date(args.get("date_to")))

    def as_args(self) -> dict:
        values = {"actor": self.actor, "action": self.action, "subject_type": self.subject_type,
                  "subject_id": self.subject_id,
                  "date_from": self.date_from.isoformat() if self.date_from else "",
                  "date_to": self.date_to.isoformat() if self.date_to else ""}
        return {k: v for k, v in values.items() if v}


def _start_of(day: date) -> datetime:
    """Midnight at the start of ``day`` in the program's zone, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=program_zone())


def statement(f: Filters) -> Select:
    stmt = select(AuditEntry)
    if f.actor:
        needle = f.actor.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(func.lower(AuditEntry.actor_label).like(f"%{needle}%", escape="\\"))
    if f.action.endswith("."):
        stmt = stmt.where(AuditEntry.action.startswith(f.action, autoescape=True))
    elif f.action:
        stmt = stmt.where(AuditEntry.action == f.action)
    if f.subject_type:
        stmt = stmt.where(AuditEntry.subject_type == f.subject_type)
    if f.subject_id:
        stmt = stmt.where(AuditEntry.subject_id == f.subject_id)
    if f.date_from:
        stmt = stmt.where(AuditEntry.created_at >= _start_of(f.date_from))
    if f.date_to:
        stmt = stmt.where(AuditEntry.created_at < _start_of(f.date_to + timedelta(days=1)))
    return stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def known_actions() -> list[str]:
    return list(db.session.scalars(select(distinct(AuditEntry.action)).order_by(AuditEntry.action)))


def known_subject_types() -> list[str]:
    return list(db.session.scalars(select(distinct(AuditEntry.subject_type))
                                   .order_by(AuditEntry.subject_type)))


def _show(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def changes(entry: AuditEntry) -> list[tuple[str, str, str]]:
    """(field, before, after) for each field in either snapshot, changed ones only when
    there is both a before and an after."""
    before, after = entry.before or {}, entry.after or {}
    rows = []
    for key in list(dict.fromkeys([*before.keys(), *after.keys()])):
        old, new = before.get(key), after.get(key)
        if entry.before is not None and entry.after is not None and old == new:
            continue
        rows.append((key, _show(old) if entry.before is not None else "", _show(new)))
    return rows


CSV_HEADER = ["id", "time", "actor", "ip", "action", "subject_type", "subject_id", "before",
              "after", "note"]


def csv_rows(entries) -> Iterator[list]:
    for e in entries:
        yield [e.id, to_local(e.created_at).strftime("%Y-%m-%d %H:%M:%S %Z"), e.actor_label,
               e.ip or "", e.action, e.subject_type, e.subject_id or "",
               json.dumps(e.before, ensure_ascii=False, sort_keys=True) if e.before is not None else "",
               json.dumps(e.after, ensure_ascii=False, sort_keys=True) if e.after is not None else "",
               e.note or ""]
