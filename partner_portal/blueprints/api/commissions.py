"""Commissions and payouts over the API (read only: decisions stay with people)."""

from __future__ import annotations

from sqlalchemy import select

from ...models import Commission, Payout
from . import bp
from .conversions import money_str
from .cursor_paging import listing, where_given
from .schemas import (
    CommissionOut,
    CommissionPage,
    CommissionQuery,
    PayoutOut,
    PayoutPage,
    PayoutQuery,
)
from .spec import current_query, operation


def commission_out(c: Commission) -> CommissionOut:
    return CommissionOut(
        id=c.id, partner_id=c.partner_id, offer_id=c.offer_id, conversion_id=c.conversion_id,
        reverses_id=c.reverses_id, kind=c.kind, amount=money_str(c.amount, c.currency),
        currency=c.currency, status=c.status, status_reason=c.status_reason,
        explanation=c.explanation, created_at=c.created_at, payable_at=c.payable_at,
        approved_at=c.approved_at, paid_at=c.paid_at)


def payout_out(p: Payout) -> PayoutOut:
    return PayoutOut(
        id=p.id, batch_id=p.batch_id, partner_id=p.partner_id,
        amount=money_str(p.amount, p.currency), currency=p.currency, status=p.status,
        method=p.method, reference=p.reference, created_at=p.created_at,
        approved_at=p.approved_at, sent_at=p.sent_at, paid_at=p.paid_at,
        failed_at=p.failed_at)


@bp.get("/commissions")
@operation("commissions:read", tags=("commissions",), query=CommissionQuery,
           ok={"HTTP_200": CommissionPage})
def list_commissions():
    """Commissions, oldest first; filter by `partner_id`, `status` and `offer_id`.
    Reversals of paid commissions are negative adjustments (`reverses_id` set)."""
    q = current_query()
    query = where_given(select(Commission), (Commission.partner_id, q.partner_id),
                        (Commission.status, q.status), (Commission.offer_id, q.offer_id))
    return listing(query, Commission.id, q, commission_out)


@bp.get("/payouts")
@operation("payouts:read", tags=("payouts",), query=PayoutQuery, ok={"HTTP_200": PayoutPage})
def list_payouts():
    """Payouts, oldest first; filter by `partner_id` and `status`. Payouts left out of a
    batch are not listed."""
    q = current_query()
    query = where_given(select(Payout).where(Payout.excluded.is_(False)),
                        (Payout.partner_id, q.partner_id), (Payout.status, q.status))
    return listing(query, Payout.id, q, payout_out)
