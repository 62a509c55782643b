"""What a statement says, built from the ledger (``services/ledger.py``) so the PDF, the
pages and the API show the same numbers.

- The balance part is ``ledger.statement`` for the period: opening balance, every entry
  with its running balance, closing balance. Categories (commissions, adjustments,
  payouts, returned payouts) are sums of those entries, so
  ``opening + commissions + adjustments − payouts + returned = closing`` exactly.
- "Commissions this month" lists every commission created in the period with its status
  at the end of the period: one approved after the period shows as pending then, with the
  day it was credited (it is in the next statement's credits); pending and held ones are
  listed but are not in the balance (the ledger counts a commission from its approval),
  and the statement says so. The pending total is what was waiting at the period's end.
- Totals by offer group the ledger's commission entries of the period by offer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ...extensions import db
from ...models import Commission, Conversion, Offer, Partner
from .. import ledger
from ..errors import NotFound
from ..money import round_money
from .months import Month, period

ZERO = Decimal("0")
COMMISSION_KINDS = ("conversion", "tier2")
ADJUSTMENT_KINDS = ("bonus", "adjustment")
NOT_IN_BALANCE = ("pending", "hold")
KIND_LABELS = {"conversion": "Commission", "tier2": "Sub-partner commission", "bonus": "Bonus",
               "adjustment": "Adjustment", "payout": "Payout",
               "payout_returned": "Payout returned"}


@dataclass(frozen=True)
class CommissionLine:
    day: date
    offer: str
    order_ref: str
    explanation: str
    status: str
    amount: Decimal
    in_balance: bool
    credited_later: date | None = None  # approved after the period: the day it was credited


@dataclass(frozen=True)
class LedgerLine:
    day: date
    kind: str
    description: str
    amount: Decimal
    balance: Decimal

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class OfferTotal:
    offer: str
    count: int
    credited: Decimal
    pending: Decimal


@dataclass
class StatementData:
    partner_id: int
    partner_ref: str
    partner_name: str
    partner_company: str | None
    partner_email: str
    month: str
    month_label: str
    month_to_date: bool
    start: datetime
    as_of: datetime
    first_day: date
    last_day: date
    currency: str
    zone: str
    opening: Decimal
    closing: Decimal
    credits: Decimal
    debits: Decimal
    commissions_total: Decimal = ZERO
    adjustments_total: Decimal = ZERO
    payouts_total: Decimal = ZERO
    returned_total: Decimal = ZERO
    pending_total: Decimal = ZERO
    commissions: list[CommissionLine] = field(default_factory=list)
    ledger: list[LedgerLine] = field(default_factory=list)
    offers: list[OfferTotal] = field(default_factory=list)

    @property
    def offers_credited(self) -> Decimal:
        return sum((o.credited for o in self.offers), ZERO)

    @property
    def offers_pending(self) -> Decimal:
        return sum((o.pending for o in self.offers), ZERO)

    @property
    def offers_count(self) -> int:
        return sum(o.count for o in self.offers)


def mask_reference(value: str | None) -> str:
    """Enough of an order id to recognise it, not enough to look it up: the last four
    characters (fewer for short ids) behind four asterisks."""
    if not value:
        return "—"
    visible = min(4, len(value) // 2)
    return "****" + (value[-visible:] if visible else "")


def build(partner_id: int, month: Month, *, now: datetime, zone: ZoneInfo,
          currency: str) -> StatementData:
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise NotFound("No such partner.", field="partner_id")
    start, end, to_date = period(month, now=now, zone=zone)
    book = ledger.statement(partner_id, start, end, currency)
    r = lambda amount: round_money(amount, currency)  # noqa: E731
    last_day = (end.astimezone(zone).date() if to_date
                else month.next().first_day - timedelta(days=1))
    data = StatementData(
        partner_id=partner.id, partner_ref=partner.ref, partner_name=partner.name,
        partner_company=partner.company, partner_email=partner.email, month=str(month),
        month_label=month.label, month_to_date=to_date, start=start, as_of=end,
        first_day=month.first_day, last_day=last_day, currency=currency, zone=zone.key,
        opening=r(book.opening), closing=r(book.closing), credits=r(book.credits),
        debits=r(book.debits))

    offer_of = _offers_of([e.commission_id for e, _ in book.entries if e.commission_id])
    by_offer: dict[str, list] = defaultdict(lambda: [0, ZERO, ZERO])
    for entry, running in book.entries:
        data.ledger.append(LedgerLine(entry.at.astimezone(zone).date(), entry.kind,
                                      entry.description, r(entry.amount), r(running)))
        if entry.kind in COMMISSION_KINDS:
            data.commissions_total += entry.amount
        elif entry.kind in ADJUSTMENT_KINDS:
            data.adjustments_total += entry.amount
        elif entry.kind == "payout":
            data.payouts_total += entry.amount
        elif entry.kind == "payout_returned":
            data.returned_total += entry.amount
        if entry.commission_id:
            totals = by_offer[offer_of.get(entry.commission_id) or ""]
            totals[0] += 1
            totals[1] += entry.amount

    for commission, order_id, offer_name in db.session.execute(
            select(Commission, Conversion.order_id, Offer.name)
            .outerjoin(Conversion, Conversion.id == Commission.conversion_id)
            .outerjoin(Offer, Offer.id == Commission.offer_id)
            .where(Commission.partner_id == partner_id, Commission.currency == currency,
                   Commission.kind.in_(COMMISSION_KINDS), Commission.created_at >= start,
                   Commission.created_at < end)
            .order_by(Commission.created_at, Commission.id)):
        credited_at = commission.approved_at or commission.created_at
        credited = commission.status in ledger.CREDITED_STATUSES
        in_balance = credited and credited_at < end
        # The status at the end of the period, as the balance saw it: a commission
        # approved after the period was still pending then (and says when it was credited).
        if in_balance:
            paid_later = commission.paid_at is not None and commission.paid_at >= end
            status = "paid" if commission.status == "paid" and not paid_later else "approved"
        elif credited:
            status = "pending"
        else:
            status = commission.status
        data.commissions.append(CommissionLine(
            commission.created_at.astimezone(zone).date(), offer_name or "—",
            mask_reference(order_id), commission.explanation or "", status,
            r(commission.amount), in_balance,
            credited_at.astimezone(zone).date() if credited and not in_balance else None))
        if status in NOT_IN_BALANCE:
            data.pending_total += commission.amount
            by_offer[offer_name or ""][2] += commission.amount

    for name in ("commissions_total", "adjustments_total", "payouts_total", "returned_total",
                 "pending_total"):
        setattr(data, name, r(getattr(data, name)))
    data.offers = [OfferTotal(name or "No offer (bonuses and adjustments)", count, r(credited),
                              r(pending))
                   for name, (count, credited, pending) in sorted(
                       by_offer.items(), key=lambda kv: (kv[0] == "", kv[0].lower()))]
    return data


def _offers_of(commission_ids: list[int]) -> dict[int, str]:
    if not commission_ids:
        return {}
    return dict(db.session.execute(
        select(Commission.id, Offer.name).join(Offer, Offer.id == Commission.offer_id)
        .where(Commission.id.in_(commission_ids))).all())
