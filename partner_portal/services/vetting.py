"""Decisions on partners: approve, reject, suspend, reinstate, ban — one function each.

Every decision goes through the partner transition table (``lifecycle.PARTNER``), is
written to the audit log with the state before and after, and queues the partner's email
(sent once the transaction commits). Inputs are checked and the transition is looked up
before anything changes, so a refused decision leaves no trace and sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from ..models import Partner, PartnerGroup, PartnerNote
from . import audit, notifications, webhooks
from .errors import DomainError, NotFound, ValidationError
from .lifecycle import PARTNER

AUDITED_FIELDS = ("status", "status_reason", "status_message", "group_id")
REASON_MAX, MESSAGE_MAX, NOTE_MAX = 500, 2000, 5000
ACTIONS = ("approve", "reject", "suspend", "reinstate", "ban")
# Decisions that must say why.
NEEDS_REASON = {"reject", "suspend", "ban"}
EMAILS = {
    "approve": notifications.partner_approved,
    "reject": notifications.partner_rejected,
    "suspend": notifications.partner_suspended,
    "reinstate": notifications.partner_reinstated,
    "ban": notifications.partner_banned,
}


def get_partner(partner_id: int, *, for_update: bool = False) -> Partner:
    """The partner, locked for the rest of the transaction when ``for_update`` (PostgreSQL
    row lock; on SQLite the view's ``begin_write`` already holds the write lock)."""
    stmt = select(Partner).where(Partner.id == partner_id)
    if for_update:
        stmt = stmt.with_for_update()
    partner = db.session.scalar(stmt)
    if partner is None:
        raise NotFound(f"There is no partner #{partner_id}.")
    return partner


def get_group(group_id: int | None, *, field: str = "group_id") -> PartnerGroup:
    """The chosen group; with none chosen, the program's default group."""
    if group_id:
        group = db.session.get(PartnerGroup, group_id)
        if group is None:
            raise ValidationError("Choose one of the groups.", field=field)
        return group
    group = db.session.scalar(select(PartnerGroup).where(PartnerGroup.is_default.is_(True))
                              .order_by(PartnerGroup.id).limit(1))
    if group is None:
        raise ValidationError("Choose a group for the partner.", field=field)
    return group


def _text(value: str | None, field: str, limit: int, *, required: bool, what: str) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(f"Give a {what}.", field=field)
    if len(value) > limit:
        raise ValidationError(f"Keep the {what} under {limit} characters.", field=field)
    return value or None


def decide(partner: Partner, action: str, actor: audit.Actor, *, now: datetime,
           reason: str | None = None, message: str | None = None,
           group_id: int | None = None) -> Partner:
    """Apply one decision to ``partner``. Raises ``InvalidTransition`` when the partner's
    status does not allow it and ``ValidationError`` for missing or bad input."""
    if action not in ACTIONS:
        raise ValidationError("Choose approve, reject, suspend, reinstate or ban.", field="action")
    PARTNER.target(action, partner.status)  # refuse a forbidden transition before anything
    reason = _text(reason, "reason", REASON_MAX, required=action in NEEDS_REASON, what="reason")
    message = _text(message, "message", MESSAGE_MAX, required=False, what="message")
    group = get_group(group_id) if action == "approve" else None

    before = audit.snapshot(partner, AUDITED_FIELDS)
    PARTNER.apply(partner, action)
    partner.status_changed_at = now
    partner.status_reason = reason
    partner.status_message = message
    if group is not None:
        partner.group = group
        partner.approved_at = now
    db.session.flush()
    audit.record(actor, f"partner.{action}", "partner", partner.id, before=before,
                 after=audit.snapshot(partner, AUDITED_FIELDS), note=reason, now=now)
    EMAILS[action](partner, message)
    if action == "approve":
        webhooks.emit("partner.approved", webhooks.partner_data(partner), now=now)
    return partner


def approve(partner, actor, *, now, group_id=None, message=None):
    return decide(partner, "approve", actor, now=now, group_id=group_id, message=message)


def reject(partner, actor, *, now, reason, message=None):
    return decide(partner, "reject", actor, now=now, reason=reason, message=message)


def suspend(partner, actor, *, now, reason, message=None):
    return decide(partner, "suspend", actor, now=now, reason=reason, message=message)


def reinstate(partner, actor, *, now, reason=None, message=None):
    return decide(partner, "reinstate", actor, now=now, reason=reason, message=message)


def ban(partner, actor, *, now, reason, message=None):
    return decide(partner, "ban", actor, now=now, reason=reason, message=message)


@dataclass
class BulkResult:
    done: list[Partner] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (who, why)


BULK_ACTIONS = ("approve", "reject", "move")


def bulk(partner_ids: list[int], action: str, actor: audit.Actor, *, now: datetime,
         group_id: int | None = None, reason: str | None = None,
         message: str | None = None) -> BulkResult:
    """The same decision for many partners, in one transaction. A partner whose status
    does not allow it is reported and left as it is; the others go ahead. Bad input for
    the decision itself (no reason, an unknown group) refuses the whole batch."""
    if action not in BULK_ACTIONS:
        raise ValidationError("Choose approve, reject or move to a group.", field="action")
    ids = sorted({int(i) for i in partner_ids})
    if not ids:
        raise ValidationError("Select at least one partner.", field="partner_ids")
    if action == "reject":
        _text(reason, "reason", REASON_MAX, required=True, what="reason")
    if action in ("approve", "move"):
        group_id = get_group(group_id).id
    result = BulkResult()
    for partner_id in ids:
        try:
            partner = get_partner(partner_id, for_update=True)
        except NotFound as exc:
            result.failed.append((f"#{partner_id}", exc.message))
            continue
        try:
            if action == "move":
                move_to_group(partner, group_id, actor, now=now)
            else:
                decide(partner, action, actor, now=now, reason=reason, message=message,
                       group_id=group_id)
        except DomainError as exc:
            result.failed.append((f"#{partner.id} {partner.name}", exc.message))
        else:
            result.done.append(partner)
    return result


def move_to_group(partner: Partner, group_id: int | None, actor: audit.Actor, *,
                  now: datetime) -> Partner:
    if not group_id:
        raise ValidationError("Choose a group.", field="group_id")
    group = get_group(group_id)
    if partner.group_id == group.id:
        return partner
    before = {"group_id": partner.group_id, "group": partner.group.name if partner.group else None}
    partner.group = group
    db.session.flush()
    audit.record(actor, "partner.group_changed", "partner", partner.id, before=before,
                 after={"group_id": group.id, "group": group.name}, now=now)
    return partner


def add_note(partner: Partner, body: str, actor: audit.Actor, *, now: datetime) -> PartnerNote:
    body = _text(body, "body", NOTE_MAX, required=True, what="note")
    note = PartnerNote(partner_id=partner.id, author_id=actor.user_id, author_label=actor.label,
                       body=body, created_at=now)
    db.session.add(note)
    db.session.flush()
    audit.record(actor, "partner.note_added", "partner", partner.id,
                 after={"note_id": note.id}, now=now)
    return note


def notes_for(partner: Partner) -> list[PartnerNote]:
    return list(db.session.scalars(select(PartnerNote).where(PartnerNote.partner_id == partner.id)
                                   .order_by(PartnerNote.created_at.desc(), PartnerNote.id.desc())))
