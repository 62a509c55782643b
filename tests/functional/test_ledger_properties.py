"""Property test: any sequence of commissions, refunds, manual adjustments, batches, and
paid or failed payouts keeps every balance equal to its ledger and never pays more than
was approved — a commission is settled by at most one payout, and a payout is exactly the
approved commissions in it."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from partner_portal.jobs.payouts import create_batch_once
from partner_portal.models import Commission, Payout, PayoutBatch, PayoutItem
from partner_portal.services import adjustments, audit, ledger, payouts
from partner_portal.services.errors import DomainError
from partner_portal.services.locking import begin_write
from partner_portal.services.program import get_program

from ..conftest import _empty_all_tables
from ..factories import PartnerFactory

ACTOR = audit.Actor.system("property test")
START = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)
PARTNERS = 3
CENT = Decimal("0.01")

partner = st.integers(0, PARTNERS - 1)
operation = st.one_of(
    st.tuples(st.just("earn"), partner, st.integers(500, 20_000)),
    st.tuples(st.just("cycle"), st.integers(0, 7), st.integers(0, 7)),
    st.tuples(st.just("refund"), partner, st.integers(1, 100)),
    st.tuples(st.just("adjust"), partner, st.integers(1, 8_000), st.booleans()),
    st.tuples(st.just("pending"), partner, st.integers(1, 20_000)),
    st.tuples(st.just("batch"), st.integers(0, 7)),
    st.tuples(st.just("send"), st.booleans()),
    st.tuples(st.just("settle"), st.integers(0, 7)),
    st.tuples(st.just("tick"), st.integers(1, 20)),
)


class World:
    def __init__(self, db):
        self.db = db
        self.now = START
        program = get_program()
        program.min_payout = Decimal("20")
        program.currency = "EUR"
        self.partners = [PartnerFactory().id for _ in range(PARTNERS)]
        db.session.commit()

    def commission(self, pid, amount, status="approved", **kw):
        self.db.session.add(Commission(partner_id=pid, kind=kw.pop("kind", "conversion"),
                                       amount=amount, currency="EUR", status=status,
                                       created_at=self.now, explanation="property",
                                       approved_at=self.now if status == "approved" else None,
                                       **kw))

    def run(self, op):
        kind, *args = op
        getattr(self, kind)(*args)
        self.db.session.commit()
        self.now += timedelta(hours=1)

    def earn(self, i, cents):
        self.commission(self.partners[i], Decimal(cents) * CENT)

    def pending(self, i, cents):
        self.commission(self.partners[i], Decimal(cents) * CENT, status="pending")

    def refund(self, i, percent):
        original = self.db.session.scalar(
            select(Commission).where(Commission.partner_id == self.partners[i],
                                     Commission.kind == "conversion",
                                     Commission.status.in_(("approved", "paid")))
            .order_by(Commission.id.desc()).limit(1))
        if original is not None:
            amount = -(Decimal(original.amount) * percent / 100).quantize(CENT)
            if amount:
                self.commission(self.partners[i], amount, kind="adjustment",
                                reverses_id=original.id)

    def adjust(self, i, cents, clawback):
        self.db.session.commit()  # as the ledger page does: the adjustment is its own write
        begin_write()
        adjustments.adjust(self.partners[i], Decimal(-cents if clawback else cents) * CENT,
                           "property test",
                           actor=ACTOR, now=self.now, currency="EUR")

    def batch(self, exclude_mask):
        cutoff = self.now.date()
        batch, _ = create_batch_once(cutoff, actor=ACTOR, now=self.now)
        if batch.status != "draft":
            return
        for n, payout in enumerate(batch.payouts):
            if exclude_mask & (1 << n):
                payouts.set_excluded(payout.id, True, reason="property", actor=ACTOR, now=self.now)
        try:
            payouts.approve_batch(batch.id, actor=ACTOR, now=self.now)
        except DomainError:  # everyone left out (or nobody due): cancel instead
            payouts.cancel_batch(batch.id, actor=ACTOR, now=self.now)

    def send(self, with_reference):
        batch = self.db.session.scalar(select(PayoutBatch).where(PayoutBatch.status == "approved")
                                       .order_by(PayoutBatch.id.desc()).limit(1))
        if batch and any(p.status == "approved" for p in batch.payouts):
            payouts.mark_batch_sent(batch.id, None, "REF-1" if with_reference else None,
                                    actor=ACTOR, now=self.now)

    def settle(self, fail_mask):
        sent = self.db.session.scalars(select(Payout).where(Payout.status == "sent")
                                       .order_by(Payout.id)).all()
        for n, payout in enumerate(sent):
            if fail_mask & (1 << n):
                payouts.mark_failed(payout.id, "bounced", actor=ACTOR, now=self.now)
            else:
                payouts.mark_paid(payout.id, "BANK-REF", actor=ACTOR, now=self.now)

    def cycle(self, exclude_mask, fail_mask):
        """A whole pay run: draft, review, approve, send, then paid or failed."""
        self.batch(exclude_mask)
        self.send(True)
        self.settle(fail_mask)
        self.now += timedelta(days=1)  # the next run has its own cut-off

    def tick(self, days):
        self.now += timedelta(days=days)


def check_invariants(db, world: World) -> None:
    db.session.expire_all()
    commissions = db.session.scalars(select(Commission)).all()
    all_payouts = db.session.scalars(select(Payout)).all()
    debiting = [p for p in all_payouts if p.status in ("approved", "sent", "paid")]
    for pid in world.partners:
        credited = sum((c.amount for c in commissions
                        if c.partner_id == pid and c.status in ("approved", "paid")), Decimal(0))
        debited = sum((p.amount for p in debiting if p.partner_id == pid), Decimal(0))
        entries = ledger.entries(pid, currency="EUR")
        # The balance is its ledger, and the ledger is approved commissions less payouts.
        assert ledger.balance(pid, currency="EUR") == sum((e.amount for e in entries), Decimal(0))
        assert ledger.balance(pid, currency="EUR") == credited - debited
        statement = ledger.statement(pid, START, world.now + timedelta(days=1), currency="EUR")
        assert statement.opening == 0 and statement.closing == credited - debited
    live = Counter()
    for payout in all_payouts:
        items = payout.items
        # A payout is exactly its commissions, which were approved when it was drafted.
        assert payout.amount == sum((i.amount for i in items), Decimal(0)) > 0
        assert all(i.amount == i.commission.amount for i in items)
        assert all(i.commission.partner_id == payout.partner_id for i in items)
        if payout.status in ("draft", "approved", "sent", "paid"):
            assert all(i.released_at is None for i in items)
            live.update(i.commission_id for i in items)
        else:
            assert all(i.released_at is not None for i in items)
        if payout.status == "paid":
            assert all(i.commission.status == "paid" for i in items)
        if payout.status in ("draft", "approved", "sent"):
            assert all(i.commission.status == "approved" for i in items)
    # Never twice: a commission is in at most one live payout, and only paid ones are paid.
    assert all(n == 1 for n in live.values())
    paid_ids = {i.commission_id for p in all_payouts if p.status == "paid" for i in p.items}
    assert {c.id for c in commissions if c.status == "paid"} == paid_ids
    assert all(c.status in ("approved", "paid") for c in commissions if c.id in live)
    # Nothing pays more than was approved: everything debited is approved commission.
    for pid in world.partners:
        debited = sum((p.amount for p in debiting if p.partner_id == pid), Decimal(0))
        settled = sum((i.commission.amount for p in debiting if p.partner_id == pid
                       for i in p.items), Decimal(0))
        assert debited == settled
    assert db.session.scalar(select(PayoutItem.id).where(PayoutItem.amount.is_(None))) is None


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(opening=st.lists(st.tuples(st.just("earn"), partner, st.integers(2_000, 20_000)),
                       min_size=1, max_size=6),
       ops=st.lists(operation, min_size=3, max_size=25),
       closing=st.tuples(st.just("cycle"), st.integers(0, 7), st.integers(0, 7)))
def test_any_sequence_keeps_balances_equal_to_ledgers_and_never_overpays(db, opening, ops,
                                                                         closing):
    _empty_all_tables()
    world = World(db)
    for op in opening + ops + [closing]:
        world.run(op)
        check_invariants(db, world)
    statuses = set(db.session.scalars(select(Payout.status)))
    event("a payout was paid" if "paid" in statuses else "no payout was paid")
    event("a payout failed" if "failed" in statuses else "no payout failed")
