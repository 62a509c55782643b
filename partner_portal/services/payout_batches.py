"""Drafting a payout batch for a cut-off date: who is paid, how much, and who is left out.

Once per cut-off and currency: the batch key (``2026-10-31:EUR``) is unique, the drafting
runs under a write lock (``locking.begin_write`` by the caller, then an advisory lock
here), and asking again returns the batch that exists. Everything happens in one
transaction, so a crash before the commit leaves nothing behind and a crash after it
leaves the whole batch.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import exists, func, select

from ..extensions import db
from ..models import Commission, Partner, Payout, PayoutBatch, PayoutItem
from . import audit, payout_details
from .errors import ValidationError
from .locking import advisory_lock
from .money import format_money
from .program import get_program, program_zone


@dataclass(frozen=True)
class Candidate:
    partner: Partner
    amount: Decimal
    commission_ids: list[int]
    amounts: list[Decimal]


def batch_key(cutoff: date, currency: str) -> str:
    return f"{cutoff.isoformat()}:{currency.upper()}"


def cutoff_end(cutoff: date) -> datetime:
    """The first instant after the cut-off day, in the program's time zone (as UTC)."""
    zone = program_zone()
    return datetime.combine(cutoff + timedelta(days=1), time(0), tzinfo=zone)


def find_batch(cutoff: date, currency: str) -> PayoutBatch | None:
    return db.session.scalar(select(PayoutBatch).where(PayoutBatch.key == batch_key(cutoff, currency)))


def unpaid_commissions(currency: str, before: datetime, partner_ids: list[int] | None = None):
    """(partner_id, commission_id, amount) of approved commissions, approved before
    ``before``, that are in no live payout."""
    live = exists().where(PayoutItem.commission_id == Commission.id,
                          PayoutItem.released_at.is_(None))
    query = (select(Commission.partner_id, Commission.id, Commission.amount)
             .where(Commission.status == "approved", Commission.currency == currency,
                    func.coalesce(Commission.approved_at, Commission.created_at) < before, ~live)
             .order_by(Commission.partner_id, Commission.id))
    if partner_ids is not None:
        query = query.where(Commission.partner_id.in_(partner_ids))
    return db.session.execute(query).all()


def candidates(currency: str, before: datetime) -> list[Candidate]:
    grouped: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for partner_id, commission_id, amount in unpaid_commissions(currency, before):
        grouped[partner_id].append((commission_id, Decimal(amount)))
    partners = {p.id: p for p in db.session.scalars(select(Partner).where(Partner.id.in_(grouped)))}
    return [Candidate(partners[pid], sum((a for _, a in rows), Decimal(0)),
                      [c for c, _ in rows], [a for _, a in rows])
            for pid, rows in sorted(grouped.items())]


def why_left_out(partner: Partner, amount: Decimal, minimum: Decimal, currency: str) -> str | None:
    """The reason a partner with ``amount`` unpaid is not paid in this batch, or None."""
    if partner.status != "approved":
        return f"partner is {partner.status}"
    if amount < 0:
        return "balance is negative (carries forward)"
    if amount == 0:
        return "nothing to pay"
    if amount < minimum:
        return f"below the {format_money(minimum, currency)} minimum"
    return payout_details.problem(partner)


def create_batch(cutoff: date, *, actor: audit.Actor, now: datetime,
                 currency: str | None = None) -> tuple[PayoutBatch, bool]:
    """Draft the batch for ``cutoff`` (once): returns (batch, created)."""
    program = get_program()
    currency = (currency or program.currency).upper()
    if cutoff >= now.astimezone(program_zone()).date() + timedelta(days=1):
        raise ValidationError("The cut-off date cannot be in the future.", field="cutoff")
    key = batch_key(cutoff, currency)
    advisory_lock(f"payout-batch:{key}")
    existing = find_batch(cutoff, currency)
    if existing is not None:
        return existing, False

    minimum = Decimal(program.min_payout)
    batch = PayoutBatch(key=key, cutoff=cutoff, currency=currency, status="draft",
                        created_at=now, created_by_id=actor.user_id,
                        created_by_label=actor.label, left_out=[])
    db.session.add(batch)
    db.session.flush()
    left_out = []
    for cand in candidates(currency, cutoff_end(cutoff)):
        partner = cand.partner
        reason = why_left_out(partner, cand.amount, minimum, currency)
        if reason:
            left_out.append({"partner_id": partner.id, "name": partner.name,
                             "amount": str(cand.amount), "reason": reason})
            continue
        payout = Payout(batch_id=batch.id, partner_id=partner.id, amount=cand.amount,
                        currency=currency, status="draft", created_at=now, **destination(partner))
        db.session.add(payout)
        db.session.flush()
        db.session.add_all(PayoutItem(payout_id=payout.id, commission_id=cid, amount=amount)
                           for cid, amount in zip(cand.commission_ids, cand.amounts))
    batch.left_out = left_out
    db.session.flush()
    db.session.refresh(batch)
    audit.record(actor, "payout_batch.create", "payout_batch", batch.id,
                 after={"key": key, "payouts": len(batch.payouts),
                        "total": sum((p.amount for p in batch.payouts), Decimal(0)),
                        "left_out": len(left_out)}, now=now)
    return batch, True


def destination(partner: Partner) -> dict:
    """Where the money goes, frozen onto the payout when it is drafted."""
    method = partner.payout_method
    return {
        "method": method,
        "recipient_name": (partner.payout_account_holder if method == "bank_transfer"
                           else partner.name)[:120],
        "paypal_email": partner.payout_email if method == "paypal" else None,
        "iban": partner.payout_iban if method == "bank_transfer" else None,
        "bic": partner.payout_bic if method == "bank_transfer" else None,
        "other_details": partner.payout_other_details if method == "other" else None,
    }
