"""Writing the audit log. Every admin action, and every automatic decision, lands here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ..extensions import db
from ..models import AuditEntry, User
from ..models.base import utcnow
from .inserts import insert_loaded


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user, or the system / an automatic rule / an API key."""

    user_id: int | None
    label: str
    ip: str | None = None

    @classmethod
    def of(cls, user: User, ip: str | None = None) -> Actor:
        return cls(user.id, user.email, ip)

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(None, label, None)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: Any, fields: list[str] | tuple[str, ...]) -> dict:
    return {f: _jsonable(getattr(obj, f)) for f in fields}


def record(
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: Any = None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    note: str | None = None,
    now: datetime | None = None,
    flush: bool = True,
) -> AuditEntry:
    entry = AuditEntry(
        created_at=now or utcnow(),
        actor_id=actor.user_id,
        actor_label=actor.label,
        action=action,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        ip=actor.ip,
        note=note,
    )
    if flush:
        insert_loaded(entry)  # after the caller's pending changes, as a flush would
    else:  # a batch job flushes once for many entries
        db.session.add(entry)
    return entry
