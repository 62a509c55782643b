"""Payout batches: who is paid, who is left out and why, once per cut-off, and settling."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from partner_portal.jobs.payouts import create_batch_once
from partner_portal.models import PayoutBatch, PayoutItem
from partner_portal.services import audit, ledger, payouts
from partner_portal.services.errors import InvalidTransition, PermissionDenied, ValidationError
from partner_portal.services.program import get_program

from ..factories import CommissionFactory, PartnerFactory, StaffFactory

NOW = datetime(2026, 11, 10, 15, 0, tzinfo=timezone.utc)
CUTOFF = date(2026, 10, 31)
BEFORE = datetime(2026, 10, 20, 12, 0, tzinfo=timezone.utc)
SYSTEM = audit.Actor.system("test")


@pytest.fixture()
def program(db):
    program = get_program()
    program.min_payout = Decimal("50")
    program.currency = "USD"
    db.session.commit()
    return program


def earn(partner, amount, at=BEFORE, **kw):
    return CommissionFactory(partner=partner, amount=Decimal(amount), created_at=at,
                             approved_at=at, **kw)


def draft(now=NOW, cutoff=CUTOFF, actor=SYSTEM):
    batch, created = create_batch_once(cutoff, actor=actor, now=now)
    return batch, created


def test_a_batch_pays_eligible_partners_and_lists_who_was_left_out_and_why(db, program):
    paid = PartnerFactory(name="Ada Able")
    earn(paid, "40.00"), earn(paid, "25.50")
    earn(paid, "99.00", at=datetime(2026, 11, 2, tzinfo=timezone.utc))  # after the cut-off
    small = PartnerFactory(name="Sam Small")
    earn(small, "20.00")
    no_details = PartnerFactory(name="Nia Nodetails", payout_method="bank_transfer",
                                payout_iban="DE00 1234", payout_account_holder="Nia")
    earn(no_details, "80.00")
    negative = PartnerFactory(name="Neg Ative")
    earn(negative, "60.00"), earn(negative, "-100.00", kind="adjustment")
    suspended = PartnerFactory(name="Sue Spended", status="suspended")
    earn(suspended, "70.00")
    CommissionFactory(partner=paid, amount=Decimal("500"), status="pending", created_at=BEFORE)
    db.session.commit()

    batch, created = draft()
    assert created and batch.status == "draft" and batch.key == "2026-10-31:USD"
    assert [(p.partner.name, p.amount) for p in batch.payouts] == [("Ada Able", Decimal("65.50"))], batch.left_out
    reasons = {row["name"]: row["reason"] for row in batch.left_out}
    assert reasons["Sam Small"] == "below the $50.00 minimum"
    assert reasons["Nia Nodetails"].startswith("payout details: this IBAN is not valid")
    assert reasons["Neg Ative"] == "balance is negative (carries forward)"
    assert reasons["Sue Spended"] == "partner is suspended"
    assert len(batch.payouts[0].items) == 2


def test_creating_the_same_batch_again_returns_the_first(db, program):
    partner = PartnerFactory()
    earn(partner, "75.00")
    db.session.commit()
    first, created = draft()
    again, created_again = draft(now=NOW + timedelta(minutes=5))
    assert created and not created_again and again.id == first.id
    assert db.session.scalar(select(func.count()).select_from(PayoutBatch)) == 1
    assert db.session.scalar(select(func.count()).select_from(PayoutItem)) == 1


def test_a_commission_can_be_in_only_one_live_payout(db, program):
    partner = PartnerFactory()
    commission = earn(partner, "75.00")
    db.session.commit()
    batch, _ = draft()
    payout = batch.payouts[0]
    db.session.add(PayoutItem(payout_id=payout.id, commission_id=commission.id, amount=Decimal("75")))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_canceled_batch_releases_its_commissions_and_frees_the_cutoff(db, program):
    partner = PartnerFactory()
    earn(partner, "75.00")
    db.session.commit()
    batch, _ = draft()
    payouts.cancel_batch(batch.id, actor=SYSTEM, now=NOW)
    db.session.commit()
    again, created = draft()
    assert created and again.id != batch.id and again.payouts[0].amount == Decimal("75.00")


def test_review_excludes_and_includes_then_approval_cancels_the_excluded(db, program):
    a, b = PartnerFactory(name="A"), PartnerFactory(name="B")
    earn(a, "60.00"), earn(b, "90.00")
    db.session.commit()
    batch, _ = draft()
    pa, pb = batch.payouts
    with pytest.raises(ValidationError) as err:
        payouts.set_excluded(pa.id, True, reason="", actor=SYSTEM, now=NOW)
    assert err.value.field == "reason"
    payouts.set_excluded(pa.id, True, reason="Disputed traffic", actor=SYSTEM, now=NOW)
    payouts.set_excluded(pb.id, True, reason="Oops", actor=SYSTEM, now=NOW)
    payouts.set_excluded(pb.id, False, actor=SYSTEM, now=NOW)
    payouts.approve_batch(batch.id, actor=SYSTEM, now=NOW)
    db.session.commit()
    assert (pa.status, pb.status) == ("canceled", "approved")
    assert ledger.balance(a.id) == Decimal("60.00")  # nothing left A's balance
    assert ledger.balance(b.id) == Decimal("0")
    with pytest.raises(ValidationError):  # the batch is no longer a draft
        payouts.set_excluded(pb.id, True, reason="late", actor=SYSTEM, now=NOW)
    # A's commissions are free again: the next cut-off pays them.
    nxt, _ = draft(now=NOW + timedelta(days=30), cutoff=date(2026, 11, 30))
    assert [(p.partner_id, p.amount) for p in nxt.payouts] == [(a.id, Decimal("60.00"))]


def test_a_second_approver_can_be_required(db, program):
    program.payout_second_approver = True
    alice, bob = StaffFactory(role="finance"), StaffFactory(role="owner")
    earn(PartnerFactory(), "60.00")
    db.session.commit()
    batch, _ = draft(actor=audit.Actor.of(alice))
    with pytest.raises(PermissionDenied):
        payouts.approve_batch(batch.id, actor=audit.Actor.of(alice), now=NOW)
    payouts.approve_batch(batch.id, actor=audit.Actor.of(bob), now=NOW)
    assert batch.status == "approved" and batch.approved_by_id == bob.id


def test_paid_marks_commissions_paid_and_failed_returns_the_money(db, program, outbox):
    a, b = PartnerFactory(name="Paid Partner"), PartnerFactory(name="Failed Partner")
    ca, cb = earn(a, "60.00"), earn(b, "90.00")
    db.session.commit()
    batch, _ = draft()
    payouts.approve_batch(batch.id, actor=SYSTEM, now=NOW)
    pa, pb = batch.payouts
    assert ledger.balance(a.id) == 0 and ledger.balance(b.id) == 0
    with pytest.raises(InvalidTransition):
        payouts.mark_paid(pa.id, "REF", actor=SYSTEM, now=NOW)  # not sent yet
    payouts.mark_batch_sent(batch.id, "paypal", "PP-BATCH-1", actor=SYSTEM, now=NOW)
    payouts.mark_paid(pa.id, None, actor=SYSTEM, now=NOW + timedelta(days=1))
    with pytest.raises(ValidationError) as err:
        payouts.mark_failed(pb.id, "", actor=SYSTEM, now=NOW)
    assert err.value.field == "reason"
    payouts.mark_failed(pb.id, "Account closed", actor=SYSTEM, now=NOW + timedelta(days=2))
    db.session.commit()
    assert batch.status == "completed"
    assert (ca.status, cb.status) == ("paid", "approved")
    assert pa.reference == "PP-BATCH-1"
    assert ledger.balance(a.id) == 0
    assert ledger.balance(b.id) == Decimal("90.00")
    kinds = [e.kind for e in ledger.entries(b.id)]
    assert kinds == ["conversion", "payout", "payout_returned"]
    [mail] = outbox.messages()
    assert mail["To"] == a.email and "$60.00" in mail.get_body(("plain",)).get_content()
    # The failed partner's commission is paid by the next batch.
    nxt, _ = draft(now=NOW + timedelta(days=30), cutoff=date(2026, 11, 30))
    assert [(p.partner_id, p.amount) for p in nxt.payouts] == [(b.id, Decimal("90.00"))]
    assert [i.commission_id for i in nxt.payouts[0].items] == [cb.id]


def test_a_future_cutoff_is_refused(db, program):
    with pytest.raises(ValidationError) as err:
        draft(cutoff=date(2026, 11, 11))
    assert err.value.field == "cutoff"
    assert db.session.scalar(select(func.count()).select_from(PayoutBatch)) == 0


def test_cli_creates_a_batch_once(app, db, program):
    earn(PartnerFactory(name="Cli Partner"), "55.00")
    earn(PartnerFactory(name="Tiny"), "5.00")
    db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["payouts", "create-batch", "--cutoff", "2026-10-31"])
    assert first.exit_code == 0, first.output
    assert "Drafted payout batch" in first.output and "1 payouts, $55.00" in first.output
    assert "left out: Tiny" in first.output and "below the $50.00 minimum" in first.output
    again = runner.invoke(args=["payouts", "create-batch", "--cutoff", "2026-10-31"])
    assert again.exit_code == 0 and "Already exists" in again.output
    bad = runner.invoke(args=["payouts", "create-batch", "--cutoff", "2999-01-01"])
    assert bad.exit_code != 0 and "cutoff" in bad.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(PayoutBatch)) == 1


def test_a_crash_before_the_commit_leaves_nothing_and_the_retry_drafts_once(app, db, program):
    from partner_portal.services import payout_batches

    partner = PartnerFactory()
    earn(partner, "75.00")
    db.session.commit()
    # The process dies half-way: the batch and its payouts were written but never committed.
    payout_batches.create_batch(CUTOFF, actor=SYSTEM, now=NOW)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(PayoutBatch)) == 0
    assert db.session.scalar(select(func.count()).select_from(PayoutItem)) == 0
    batch, created = draft()
    again, created_again = draft()
    assert created and not created_again and again.id == batch.id
    assert [p.amount for p in batch.payouts] == [Decimal("75.00")]
