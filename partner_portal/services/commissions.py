"""The commission lifecycle: approve, reject, hold and release by hand, and the daily
approval of commissions whose hold period is over. Every decision is audited.

Adjustments (negative amounts made by refunds) follow the commission they adjust while it
is undecided: they share its status (pending or on hold) and move with it — approved,
rejected, held or released together. They are never decided on their own, so the sums per
status always match the commissions in that status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from ..extensions import db
from ..models import Commission
from . import audit, rollups, webhooks
from .errors import NotFound, ValidationError
from .lifecycle import COMMISSION
from .locking import for_update

ACTIONS = ("approve", "reject", "hold", "release")
NEEDS_REASON = ("reject", "hold")
SYSTEM = audit.Actor.system("hold period")


def _locked(commission_id: int) -> Commission:
    commission = db.session.scalar(for_update(select(Commission).where(Commission.id == commission_id)))
    if commission is None:
        raise NotFound("No such commission.")
    return commission


def open_adjustments(commission: Commission, status: str) -> list[Commission]:
    """The adjustments of ``commission`` still in ``status`` (pending or hold)."""
    return list(db.session.scalars(
        select(Commission).where(Commission.reverses_id == commission.id,
                                 Commission.kind == "adjustment",
                                 Commission.status == status)
        .order_by(Commission.id)))


def apply_action(commission: Commission, action: str, *, reason: str | None,
                 actor: audit.Actor, now: datetime, note: str | None = None,
                 adjustments: list[Commission] | None = None, flush: bool = True,
                 refund_rejection: bool = False) -> None:
    """Move one commission along the lifecycle, audited; its open adjustments move too
    (``adjustments``: already loaded by a batch, else read here)."""
    before, after = COMMISSION.apply(commission, action)
    if action == "approve":
        commission.approved_at = now
    if action in NEEDS_REASON:
        commission.status_reason = reason
    elif action == "release":
        commission.status_reason = None
    audit.record(actor, f"commission.{action}", "commission", commission.id,
                 before={"status": before}, after={"status": after, "amount": commission.amount},
                 note=note or reason, now=now, flush=flush)
    if action == "approve":
        webhooks.emit("commission.approved", webhooks.commission_data(commission), now=now)
    if action == "reject" and not refund_rejection:
        rollups.commission_rejected(commission)
    if before in ("pending", "hold"):
        if adjustments is None:
            adjustments = open_adjustments(commission, before)
        for adjustment in adjustments:
            apply_action(adjustment, action, reason=reason, actor=actor, now=now,
                         note=f"follows commission {commission.id}", adjustments=[], flush=flush,
                         refund_rejection=refund_rejection)


def decide(commission_id: int, action: str, *, reason: str | None = None,
           actor: audit.Actor, now: datetime) -> Commission:
    """Approve, reject (with a reason), hold for review (with a reason) or release."""
    if action not in ACTIONS:
        raise ValidationError("Choose approve, reject, hold or release.", field="action")
    reason = (reason or "").strip() or None
    if action in NEEDS_REASON and not reason:
        raise ValidationError(f"Say why you {action} this commission.", field="reason")
    if reason and len(reason) > 500:
        raise ValidationError("Use at most 500 characters.", field="reason")
    commission = _locked(commission_id)
    if commission.kind == "adjustment":
        raise ValidationError("An adjustment follows the commission it adjusts; decide that "
                              "commission instead.", field="action")
    apply_action(commission, action, reason=reason, actor=actor, now=now)
    db.session.flush()
    return commission


def approve_due(now: datetime, *, actor: audit.Actor = SYSTEM, batch: int = 500) -> int:
    """Approve every pending commission whose hold period has passed (its pending
    adjustments with it). Idempotent: a second run finds nothing to do. On PostgreSQL,
    rows another run is busy with are skipped, so two runs never approve one twice."""
    done = 0
    while True:
        rows = list(db.session.scalars(for_update(
            select(Commission)
            .where(Commission.status == "pending", Commission.kind != "adjustment",
                   Commission.payable_at.is_not(None), Commission.payable_at <= now)
            .order_by(Commission.id).limit(batch), skip_locked=True)))
        if not rows:
            return done
        open_by_original: dict[int, list[Commission]] = {}
        for adjustment in db.session.scalars(select(Commission).where(
                Commission.reverses_id.in_([c.id for c in rows]),
                Commission.kind == "adjustment", Commission.status == "pending")
                .order_by(Commission.id)):
            open_by_original.setdefault(adjustment.reverses_id, []).append(adjustment)
        for commission in rows:
            apply_action(commission, "approve", reason=None, actor=actor, now=now,
                         note="hold period over", adjustments=open_by_original.get(commission.id, []),
                         flush=False)
            done += 1
        db.session.flush()


@dataclass
class Filters:
    status: str | None = None
    kind: str | None = None
    partner_id: int | None = None
    offer_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def search(filters: Filters):
    """A SELECT of commissions matching ``filters``, newest first."""
    query = select(Commission)
    if filters.status:
        query = query.where(Commission.status == filters.status)
    if filters.kind:
        query = query.where(Commission.kind == filters.kind)
    if filters.partner_id:
        query = query.where(Commission.partner_id == filters.partner_id)
    if filters.offer_id:
        query = query.where(Commission.offer_id == filters.offer_id)
    if filters.since:
        query = query.where(Commission.created_at >= filters.since)
    if filters.until:
        query = query.where(Commission.created_at < filters.until)
    return query.order_by(Commission.created_at.desc(), Commission.id.desc())


def count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def totals_by_status(partner_id: int | None = None) -> dict[tuple[str, str], Decimal]:
    """Sum of amounts per (status, currency), adjustments included."""
    query = select(Commission.status, Commission.currency, Commission.amount)
    if partner_id is not None:
        query = query.where(Commission.partner_id == partner_id)
    totals: dict[tuple[str, str], Decimal] = {}
    for status, currency, amount in db.session.execute(query):
        totals[(status, currency)] = totals.get((status, currency), Decimal(0)) + amount
    return totals
