"""A partner's ledger: the one place that says what a partner is owed.

What counts (see docs/payouts.md):

- credit: every commission whose status is *approved* or *paid*, of any kind — conversion,
  tier-2, bonus, and adjustments, which may be negative (refunds, clawbacks). It counts
  from the moment it was approved (``approved_at``, or ``created_at`` when that is unset).
- debit: every payout that was approved (status *approved*, *sent*, *paid*, or *failed*),
  from the moment it was approved.
- credit: a *failed* payout gives its amount back, from the moment it failed.

Draft and canceled payouts never touch the balance. So, at any moment,
``balance = approved and paid commissions − approved, sent and paid payouts``, and a
negative balance simply carries forward into the next period.

Periods are half-open: ``start <= at < end``; ``balance(as_of)`` counts what happened
strictly before ``as_of``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from ..extensions import db
from ..models import Commission, Payout
from .program import get_program

CREDITED_STATUSES = ("approved", "paid")
APPROVED_PAYOUT_STATUSES = ("approved", "sent", "paid", "failed")
ZERO = Decimal("0")


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str            # commission kind, "payout" or "payout_returned"
    description: str
    amount: Decimal      # signed: + credits the partner, − debits
    commission_id: int | None = None
    payout_id: int | None = None


@dataclass
class Statement:
    partner_id: int
    currency: str
    start: datetime | None
    end: datetime | None
    opening: Decimal
    entries: list[tuple[Entry, Decimal]] = field(default_factory=list)  # (entry, running balance)

    @property
    def closing(self) -> Decimal:
        return self.entries[-1][1] if self.entries else self.opening

    @property
    def credits(self) -> Decimal:
        return sum((e.amount for e, _ in self.entries if e.amount > 0), ZERO)

    @property
    def debits(self) -> Decimal:
        return sum((e.amount for e, _ in self.entries if e.amount < 0), ZERO)


def _credited_at():
    return func.coalesce(Commission.approved_at, Commission.created_at)


def _window(column, start, end):
    conditions = []
    if start is not None:
        conditions.append(column >= start)
    if end is not None:
        conditions.append(column < end)
    return conditions


def _currency(currency: str | None) -> str:
    return (currency or get_program().currency).upper()


def entries(partner_id: int, start: datetime | None = None, end: datetime | None = None,
            currency: str | None = None) -> list[Entry]:
    """Every ledger entry of the partner in ``[start, end)``, oldest first."""
    currency = _currency(currency)
    found: list[tuple[datetime, int, Entry]] = []
    credited = _credited_at()
    for c, at in db.session.execute(
            select(Commission, credited.label("at")).where(
                Commission.partner_id == partner_id, Commission.currency == currency,
                Commission.status.in_(CREDITED_STATUSES), *_window(credited, start, end))):
        found.append((at, 0, Entry(at, c.kind, c.explanation or c.kind, Decimal(c.amount),
                                   commission_id=c.id)))
    for p in db.session.scalars(select(Payout).where(
            Payout.partner_id == partner_id, Payout.currency == currency,
            Payout.status.in_(APPROVED_PAYOUT_STATUSES), *_window(Payout.approved_at, start, end))):
        found.append((p.approved_at, 1, Entry(
            p.approved_at, "payout", f"Payout #{p.id} (batch #{p.batch_id}, {p.method})",
            -Decimal(p.amount), payout_id=p.id)))
    for p in db.session.scalars(select(Payout).where(
            Payout.partner_id == partner_id, Payout.currency == currency,
            Payout.status == "failed", *_window(Payout.failed_at, start, end))):
        found.append((p.failed_at, 2, Entry(
            p.failed_at, "payout_returned", f"Payout #{p.id} failed: amount returned",
            Decimal(p.amount), payout_id=p.id)))
    found.sort(key=lambda t: (t[0], t[1], t[2].commission_id or t[2].payout_id or 0))
    return [entry for _, _, entry in found]


def balance(partner_id: int, as_of: datetime | None = None,
            currency: str | None = None) -> Decimal:
    """The balance from everything before ``as_of`` (everything, when None)."""
    return balances([partner_id], as_of=as_of, currency=currency).get(partner_id, ZERO)


def balances(partner_ids: list[int] | None = None, *, as_of: datetime | None = None,
             currency: str | None = None) -> dict[int, Decimal]:
    """Balances of many partners at once (all partners with any entry, when None), by SQL
    sums over the same definition as ``entries``."""
    currency = _currency(currency)
    credited = _credited_at()
    totals: dict[int, Decimal] = {}

    def add(rows, sign):
        for pid, amount in rows:
            totals[pid] = totals.get(pid, ZERO) + sign * Decimal(amount or 0)

    scope_c = [Commission.partner_id.in_(partner_ids)] if partner_ids is not None else []
    scope_p = [Payout.partner_id.in_(partner_ids)] if partner_ids is not None else []
    add(db.session.execute(
        select(Commission.partner_id, func.sum(Commission.amount)).where(
            Commission.currency == currency, Commission.status.in_(CREDITED_STATUSES),
            *scope_c, *_window(credited, None, as_of)).group_by(Commission.partner_id)), 1)
    add(db.session.execute(
        select(Payout.partner_id, func.sum(Payout.amount)).where(
            Payout.currency == currency, Payout.status.in_(APPROVED_PAYOUT_STATUSES),
            *scope_p, *_window(Payout.approved_at, None, as_of)).group_by(Payout.partner_id)), -1)
    add(db.session.execute(
        select(Payout.partner_id, func.sum(Payout.amount)).where(
            Payout.currency == currency, Payout.status == "failed",
            *scope_p, *_window(Payout.failed_at, None, as_of)).group_by(Payout.partner_id)), 1)
    return totals


def statement(partner_id: int, start: datetime | None = None, end: datetime | None = None,
              currency: str | None = None) -> Statement:
    """Opening balance at ``start``, each entry in ``[start, end)`` with the running
    balance, and the closing balance."""
    currency = _currency(currency)
    opening = balance(partner_id, as_of=start, currency=currency) if start else ZERO
    result = Statement(partner_id, currency, start, end, opening)
    running = opening
    for entry in entries(partner_id, start, end, currency):
        running += entry.amount
        result.entries.append((entry, running))
    return result
