"""Property: for any sequence of conversions, refunds, approvals and decisions, the ledger
adds up — each commission's net (with its adjustments) is its share of what is left of the
sale, adjustments share their commission's status, the sums per status are the sums
of the commissions in that status, and the daily rollups the reports read are what a
rebuild from the raw rows gives."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from partner_portal.extensions import db as _db
from partner_portal.models import DailyStat
from partner_portal.services import commissions as commission_service
from partner_portal.services import rollups
from partner_portal.services.errors import DomainError
from partner_portal.services.money import round_money
from partner_portal.services.program import get_program

from ..conftest import _empty_all_tables
from ..factories import OfferFactory, PartnerFactory, RuleFactory
from ..support.conversions import API, NOW, commissions, conversions, record, refund, unit_of_work

D = Decimal

convert = st.tuples(st.just("convert"), st.integers(0, 2), st.integers(0, 50_000))
# refunds pick one of the last few orders, so one order is often refunded more than once
refund_op = st.tuples(st.just("refund"), st.integers(1, 3), st.one_of(st.none(), st.integers(1, 99)))
approve_due = st.tuples(st.just("approve_due"), st.integers(0, 10), st.none())
decide = st.tuples(st.just("decide"), st.integers(0, 60),
                   st.sampled_from(["approve", "reject", "hold", "release"]))
OPS = st.lists(st.one_of(convert, convert, refund_op, refund_op, approve_due, decide, decide),
               min_size=1, max_size=30)


def _setup():
    _empty_all_tables()
    program = get_program()
    program.subaffiliate_share, program.subaffiliate_levels = D("10"), 2
    offer = OfferFactory(hold_days=5, default_commission_value=D("12.5"))
    RuleFactory(offer=offer, kind="milestone", params={"count": 3, "period": "ever", "amount": "7.77"})
    top = PartnerFactory()
    mid = PartnerFactory(parent=top)
    partners = [top, mid, PartnerFactory(parent=mid)]
    return offer, partners


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=OPS)
# a pending sale refunded in two halves, then in three parts; one approved then split
@example(ops=[("convert", 0, 10_000), ("refund", 1, 50), ("refund", 1, None)])
@example(ops=[("convert", 2, 10_000), ("refund", 1, 30), ("refund", 1, 50), ("refund", 1, None)])
@example(ops=[("convert", 1, 10_000), ("approve_due", 6, None), ("refund", 1, 50),
              ("refund", 1, None)])
def test_the_ledger_always_matches_the_commission_statuses(db, ops):
    offer, partners = _setup()
    clock, orders, refunded = NOW, [], {}
    for op, a, b in ops:
        if op == "convert":
            order = f"O-{len(orders)}"
            record(offer, order, D(b) / 100, partner_id=partners[a].id, now=clock)
            orders.append(order)
            refunded[order] = D(0)
        elif op == "refund" and orders:
            order = orders[-min(a, len(orders))]
            conv = conversions(order_id=order)[0]
            left = conv.amount - conv.refunded_amount
            amount = None if b is None else round_money(left * b / 100, "USD")
            if amount is not None and amount <= 0:
                continue
            if amount is None and conv.fully_refunded:
                continue
            refund(offer, order, amount, now=clock)
            refunded[order] += left if amount is None else amount
        elif op == "approve_due":
            clock += timedelta(days=a)
            unit_of_work(commission_service.approve_due, clock)
        elif op == "decide":  # adjustments are never decided on their own (tested elsewhere)
            rows = [c for c in commissions() if c.kind != "adjustment"]
            if rows:
                target = rows[a % len(rows)]
                try:
                    unit_of_work(commission_service.decide, target.id, b, reason="property test",
                                 actor=API, now=clock)
                except DomainError:
                    pass  # a move the lifecycle forbids changes nothing

    _check(refunded)
    _check_rollups()


def _check_rollups() -> None:
    """What the reports show (kept current on every change) equals a rebuild."""
    def snapshot():
        _db.session.expire_all()
        return sorted((s.day, s.offer_id, s.partner_id, s.sub1, s.conversions, s.revenue,
                       s.commission) for s in _db.session.scalars(select(DailyStat))
                      if s.conversions or s.revenue or s.commission)

    live = snapshot()
    rollups.rebuild()
    _db.session.flush()
    assert snapshot() == live
    _db.session.rollback()


def _check(refunded: dict[str, Decimal]) -> None:
    rows = commissions()
    by_id = {c.id: c for c in rows}
    expected_by_status: dict[tuple[int, str], Decimal] = {}
    for conv in conversions():
        assert conv.refunded_amount == refunded[conv.order_id]
        assert 0 <= conv.refunded_amount <= conv.amount
    for c in rows:
        if c.kind == "adjustment":
            original = by_id[c.reverses_id]
            assert original.kind in ("conversion", "tier2")
            if original.status == "rejected":
                assert c.status == "rejected"
            elif c.status != "rejected":  # an open adjustment shares its commission's status
                settled = original.status in ("approved", "paid")
                assert c.status == ("approved" if settled else original.status)
            continue
        assert c.amount >= 0
        net = c.amount
        if c.kind in ("conversion", "tier2"):
            adjustments = [r for r in rows if r.reverses_id == c.id and r.status != "rejected"]
            net += sum((r.amount for r in adjustments), D(0))
            if c.status != "rejected":
                conv = c.conversion
                left = D(0) if conv.fully_refunded else conv.amount - conv.refunded_amount
                share = D(0) if conv.amount == 0 else round_money(c.amount * left / conv.amount, "USD")
                assert net == share, (c.id, c.status, c.amount, net, share)
        if c.status != "rejected":
            key = (c.partner_id, c.status)
            expected_by_status[key] = expected_by_status.get(key, D(0)) + net
    # the ledger: sums per partner and status, adjustments included, over the raw rows
    ledger: dict[tuple[int, str], Decimal] = {}
    for c in rows:
        if c.status != "rejected":
            key = (c.partner_id, c.status)
            ledger[key] = ledger.get(key, D(0)) + c.amount
    assert ledger == expected_by_status
    for (partner_id, status), total in ledger.items():
        assert commission_service.totals_by_status(partner_id)[(status, "USD")] == total
        assert total >= 0 or status not in ("pending", "hold")
