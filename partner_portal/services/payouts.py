"""Reviewing, approving and settling payout batches.

Batch: ``draft → approved → completed``, ``draft → canceled``. Payout: ``draft → approved
→ sent → paid | failed``, ``draft → canceled``. A failed or canceled payout releases its
commissions (they go back to the partner's balance and into the next batch); a paid one
marks them paid and emails the partner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select, update

from ..extensions import db
from ..models import Payout, PayoutBatch, PayoutItem
from . import audit, notifications, webhooks
from .errors import NotFound, PermissionDenied, ValidationError
from .lifecycle import COMMISSION, PAYOUT, PAYOUT_BATCH
from .locking import for_update as locked
from .program import get_program

SETTLED = ("paid", "failed", "canceled")
PAYOUT_FIELDS = ("status", "excluded", "reference", "failure_reason")


def get_batch(batch_id: int, *, for_update: bool = False) -> PayoutBatch:
    query = select(PayoutBatch).where(PayoutBatch.id == batch_id)
    batch = db.session.scalar(locked(query) if for_update else query)
    if batch is None:
        raise NotFound("No such payout batch.")
    return batch


def get_payout(payout_id: int, *, for_update: bool = False) -> Payout:
    query = select(Payout).where(Payout.id == payout_id)
    payout = db.session.scalar(locked(query) if for_update else query)
    if payout is None:
        raise NotFound("No such payout.")
    return payout


def _locked_payout(payout_id: int) -> Payout:
    """The payout, locked after its batch (the one lock order: batch, then payout): a
    change that may complete the batch sees the other payouts as they are, not as they
    were before a parallel change to one of them was committed."""
    batch_id = db.session.scalar(select(Payout.batch_id).where(Payout.id == payout_id))
    if batch_id is None:
        raise NotFound("No such payout.")
    get_batch(batch_id, for_update=True)
    return get_payout(payout_id, for_update=True)


def list_batches(limit: int = 50, offset: int = 0) -> list[PayoutBatch]:
    return list(db.session.scalars(select(PayoutBatch).order_by(
        PayoutBatch.cutoff.desc(), PayoutBatch.id.desc()).limit(limit).offset(offset)))


def _release(payout: Payout, now: datetime) -> None:
    db.session.execute(update(PayoutItem).where(PayoutItem.payout_id == payout.id,
                                                PayoutItem.released_at.is_(None))
                       .values(released_at=now))


def _require_draft(payout: Payout) -> None:
    if payout.batch.status != "draft" or payout.status != "draft":
        raise ValidationError("Only payouts in a draft batch can be excluded or included.")


def set_excluded(payout_id: int, excluded: bool, *, reason: str | None = None,
                 actor: audit.Actor, now: datetime) -> Payout:
    """Review: leave a payout out of the batch, or put it back."""
    payout = _locked_payout(payout_id)
    _require_draft(payout)
    reason = (reason or "").strip() or None
    if excluded and not reason:
        raise ValidationError("Say why this payout is left out.", field="reason")
    before = audit.snapshot(payout, PAYOUT_FIELDS)
    payout.excluded = excluded
    payout.excluded_reason = reason if excluded else None
    db.session.flush()
    audit.record(actor, "payout.exclude" if excluded else "payout.include", "payout", payout.id,
                 before=before, after=audit.snapshot(payout, PAYOUT_FIELDS), note=reason, now=now)
    return payout


def approve_batch(batch_id: int, *, actor: audit.Actor, now: datetime) -> PayoutBatch:
    batch = get_batch(batch_id, for_update=True)
    if (get_program().payout_second_approver and actor.user_id is not None
            and actor.user_id == batch.created_by_id):
        raise PermissionDenied("This program needs a second person to approve a batch: "
                               "ask someone other than its creator.")
    included = [p for p in batch.payouts if not p.excluded]
    if batch.status == "draft" and not included:
        raise ValidationError("Every payout is left out: cancel the batch instead.")
    before = PAYOUT_BATCH.apply(batch, "approve")[0]
    batch.approved_at, batch.approved_by_id = now, actor.user_id
    for payout in batch.payouts:
        if payout.excluded:
            PAYOUT.apply(payout, "cancel")
            payout.canceled_at = now
            _release(payout, now)
        else:
            PAYOUT.apply(payout, "approve")
            payout.approved_at = now
    db.session.flush()
    audit.record(actor, "payout_batch.approve", "payout_batch", batch.id,
                 before={"status": before}, after={"status": batch.status,
                                                   "payouts": len(included),
                                                   "total": sum(p.amount for p in included)},
                 now=now)
    return batch


def cancel_batch(batch_id: int, *, actor: audit.Actor, now: datetime) -> PayoutBatch:
    batch = get_batch(batch_id, for_update=True)
    before = PAYOUT_BATCH.apply(batch, "cancel")[0]
    batch.canceled_at = now
    old_key, batch.key = batch.key, None  # the cut-off can be drafted again
    for payout in batch.payouts:
        PAYOUT.apply(payout, "cancel")
        payout.canceled_at = now
        _release(payout, now)
    db.session.flush()
    audit.record(actor, "payout_batch.cancel", "payout_batch", batch.id,
                 before={"status": before, "key": old_key}, after={"status": batch.status},
                 now=now)
    return batch


def _clean_reference(reference: str | None, *, required: bool) -> str | None:
    reference = (reference or "").strip() or None
    if required and not reference:
        raise ValidationError("Enter the payment reference (e.g. the PayPal batch or bank "
                              "transaction id).", field="reference")
    if reference and len(reference) > 120:
        raise ValidationError("Use at most 120 characters.", field="reference")
    return reference


def _maybe_complete(batch: PayoutBatch) -> None:
    if batch.status == "approved" and all(p.status in SETTLED for p in batch.payouts):
        PAYOUT_BATCH.apply(batch, "complete")


def mark_sent(payout_id: int, reference: str | None, *, actor: audit.Actor,
              now: datetime) -> Payout:
    payout = _locked_payout(payout_id)
    reference = _clean_reference(reference, required=False)
    before = audit.snapshot(payout, PAYOUT_FIELDS)
    PAYOUT.apply(payout, "send")
    payout.sent_at = now
    payout.reference = reference or payout.reference
    db.session.flush()
    audit.record(actor, "payout.send", "payout", payout.id, before=before,
                 after=audit.snapshot(payout, PAYOUT_FIELDS), now=now)
    return payout


def mark_batch_sent(batch_id: int, method: str | None, reference: str | None, *,
                    actor: audit.Actor, now: datetime) -> list[Payout]:
    """Mark every approved payout of the batch (of one method, when given) as sent."""
    batch = get_batch(batch_id, for_update=True)
    chosen = [p for p in batch.payouts if p.status == "approved"
              and (method is None or p.method == method)]
    if not chosen:
        raise ValidationError("No approved payouts to mark as sent.", field="method")
    return [mark_sent(p.id, reference, actor=actor, now=now) for p in chosen]


def mark_paid(payout_id: int, reference: str | None, *, actor: audit.Actor,
              now: datetime) -> Payout:
    payout = _locked_payout(payout_id)
    reference = _clean_reference(reference, required=not payout.reference)
    before = audit.snapshot(payout, PAYOUT_FIELDS)
    PAYOUT.apply(payout, "mark_paid")
    payout.paid_at = now
    payout.reference = reference or payout.reference
    for item in payout.items:
        COMMISSION.apply(item.commission, "mark_paid")
        item.commission.paid_at = now
    _maybe_complete(payout.batch)
    db.session.flush()
    audit.record(actor, "payout.mark_paid", "payout", payout.id, before=before,
                 after=audit.snapshot(payout, PAYOUT_FIELDS), now=now)
    notifications.payout_paid(payout)
    webhooks.emit("payout.paid", {"id": payout.id, "partner_id": payout.partner_id,
                                  "amount": str(payout.amount), "currency": payout.currency,
                                  "reference": payout.reference, "batch_id": payout.batch_id},
                  now=now)
    return payout


SETTLEABLE = ("approved", "sent")


@dataclass(frozen=True)
class Settled:
    """What one "mark paid" of many payouts did: the payouts it paid now, and those that
    were already paid (a second press, or another person's, got there first)."""

    paid: list[Payout]
    already_paid: list[Payout]

    @property
    def total(self) -> Decimal:
        return sum((p.amount for p in self.paid), Decimal(0))


def mark_batch_paid(batch_id: int, payout_ids: list[int] | None, reference: str | None, *,
                    actor: audit.Actor, now: datetime) -> Settled:
    """Mark the chosen payouts of an approved batch paid with one reference (every
    approved or sent one when ``payout_ids`` is None).

    Each payout moves through the payout lifecycle one transition at a time (an approved
    one is sent, then paid) and each move is audited and emails the partner, as when it
    is marked by hand. The batch row is locked first, so two presses take turns: the
    second finds the payouts paid and pays nothing again. A chosen payout that is not of
    this batch, or cannot be paid (draft, failed, canceled), refuses the whole request
    and nothing changes."""
    batch = get_batch(batch_id, for_update=True)
    if batch.status not in ("approved", "completed"):
        raise ValidationError("Approve the batch before marking its payouts paid.",
                              field="payouts")
    by_id = {p.id: p for p in batch.payouts}
    if payout_ids is None:
        chosen = [p for p in batch.payouts if p.status in SETTLEABLE + ("paid",)]
    else:
        if not payout_ids:
            raise ValidationError("Tick at least one payout to mark paid.", field="payouts")
        unknown = [i for i in payout_ids if i not in by_id]
        if unknown:
            raise ValidationError(f"Payout #{unknown[0]} is not in this batch.", field="payouts")
        chosen = [by_id[i] for i in dict.fromkeys(payout_ids)]
    blocked = [p for p in chosen if p.status not in SETTLEABLE + ("paid",)]
    if blocked:
        raise ValidationError(f"The payout to {blocked[0].partner.name} is {blocked[0].status} "
                              "and cannot be marked paid.", field="payouts")
    todo = [p for p in chosen if p.status in SETTLEABLE]
    already = [p for p in chosen if p.status == "paid"]
    if not todo and not already:
        raise ValidationError("No payouts to mark paid.", field="payouts")
    reference = _clean_reference(reference, required=any(not p.reference for p in todo))
    paid = []
    for payout in todo:
        if payout.status == "approved":
            mark_sent(payout.id, reference, actor=actor, now=now)
        paid.append(mark_paid(payout.id, reference, actor=actor, now=now))
    return Settled(paid, already)


def mark_failed(payout_id: int, reason: str | None, *, actor: audit.Actor,
                now: datetime, reference: str | None = None) -> Payout:
    payout = _locked_payout(payout_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Say why the payment failed (e.g. “account closed”).",
                              field="reason")
    reference = _clean_reference(reference, required=False)
    before = audit.snapshot(payout, PAYOUT_FIELDS)
    PAYOUT.apply(payout, "mark_failed")
    payout.failed_at = now
    payout.failure_reason = reason[:1000]
    payout.reference = reference or payout.reference
    _release(payout, now)
    _maybe_complete(payout.batch)
    db.session.flush()
    audit.record(actor, "payout.mark_failed", "payout", payout.id, before=before,
                 after=audit.snapshot(payout, PAYOUT_FIELDS), note=reason, now=now)
    return payout


def partner_payouts(partner_id: int, limit: int = 50) -> list[Payout]:
    return list(db.session.scalars(select(Payout).where(Payout.partner_id == partner_id)
                                   .order_by(Payout.created_at.desc(), Payout.id.desc())
                                   .limit(limit)))
