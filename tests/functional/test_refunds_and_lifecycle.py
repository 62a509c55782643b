"""Refunds as adjustments that never edit history; the commission lifecycle by hand and by
the daily approval job; every decision audited."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from partner_portal.models import AuditEntry, Commission
from partner_portal.services import audit
from partner_portal.services import commissions as commission_service
from partner_portal.services.errors import InvalidTransition, NotFound, ValidationError
from partner_portal.services.program import get_program

from ..factories import OfferFactory, PartnerFactory
from ..support.conversions import NOW, commissions, record, refund, unit_of_work

D = Decimal
BOSS = audit.Actor(None, "boss@example.test", "203.0.113.9")


@pytest.fixture()
def offer(db):
    return OfferFactory(hold_days=10)


@pytest.fixture()
def partner(db):
    return PartnerFactory()


def approve_due(at):
    return unit_of_work(commission_service.approve_due, at)


def decide(commission, action, reason=None):
    return unit_of_work(commission_service.decide, commission.id, action, reason=reason,
                        actor=BOSS, now=NOW)


def net(original: Commission) -> Decimal:
    rows = commissions(reverses_id=original.id)
    return original.amount + sum((r.amount for r in rows if r.status != "rejected"), D(0))


def test_a_full_refund_rejects_a_pending_commission(db, offer, partner):
    record(offer, "R-1", "100", partner_id=partner.id)
    result = refund(offer, "R-1")
    assert result.refunded == D("100") and result.conversion.refunded_amount == D("100")
    [c] = commissions()
    assert c.status == "rejected" and c.status_reason == "Order refunded."
    assert c.amount == D("10.00")  # history is not edited


def test_a_full_refund_of_an_approved_commission_adds_a_negative_adjustment(db, offer, partner):
    record(offer, "R-2", "100", partner_id=partner.id)
    approve_due(NOW + timedelta(days=10))
    refund(offer, "R-2", now=NOW + timedelta(days=11))
    original, adjustment = commissions()
    assert (original.status, original.amount) == ("approved", D("10.00"))
    assert (adjustment.kind, adjustment.status, adjustment.amount) == ("adjustment", "approved", D("-10.00"))
    assert adjustment.reverses_id == original.id and adjustment.conversion_id == original.conversion_id
    assert "refund of $100.00 on order R-2" in adjustment.explanation


def test_partial_refunds_add_up_to_the_cent(db, offer, partner):
    record(offer, "R-3", "100.00", partner_id=partner.id)   # 10.00 commission
    approve_due(NOW + timedelta(days=10))
    [original] = commissions()
    for amount, expected_net in (("33.33", D("6.67")), ("33.33", D("3.33")), ("0.01", D("3.33")),
                                 ("28.33", D("0.50")), (None, D("0.00"))):
        refund(offer, "R-3", amount)
        assert net(original) == expected_net
    assert all(a.status == "approved" for a in commissions(kind="adjustment"))


def test_a_partial_refund_of_a_pending_commission_waits_with_it(db, offer, partner):
    record(offer, "R-4", "100", partner_id=partner.id)
    refund(offer, "R-4", "40")
    original, adjustment = commissions()
    assert (adjustment.status, adjustment.amount) == ("pending", D("-4.00"))
    assert approve_due(NOW + timedelta(days=10)) == 1  # the commission; its adjustment follows
    original, adjustment = commissions()
    assert original.status == adjustment.status == "approved"


def test_rejecting_a_commission_rejects_its_pending_adjustments(db, offer, partner):
    record(offer, "R-5", "100", partner_id=partner.id)
    refund(offer, "R-5", "50")
    original, _ = commissions()
    decide(original, "reject", "Fraud confirmed.")
    assert [c.status for c in commissions()] == ["rejected", "rejected"]


def test_refunds_reverse_the_recruiters_share_too(db, offer):
    get_program().subaffiliate_share = D("10")
    parent = PartnerFactory()
    record(offer, "R-6", "100", partner_id=PartnerFactory(parent=parent).id)
    approve_due(NOW + timedelta(days=10))
    refund(offer, "R-6", "50")
    adjustments = commissions(kind="adjustment")
    assert sorted((a.partner_id == parent.id, a.amount) for a in adjustments) == [
        (False, D("-5.00")), (True, D("-0.50"))]


@pytest.mark.parametrize("amount, field", [("100.01", "amount"), ("0", "amount"), ("-5", "amount"),
                                           ("abc", "amount"), ("1.005", "amount")])
def test_bad_refund_amounts_name_the_field_and_change_nothing(db, offer, partner, amount, field):
    record(offer, "R-7", "100", partner_id=partner.id)
    with pytest.raises(ValidationError) as err:
        refund(offer, "R-7", amount)
    assert err.value.field == field
    db.session.expire_all()
    assert [c.status for c in commissions()] == ["pending"]
    from ..support.conversions import conversions

    assert conversions()[0].refunded_amount == 0


def test_refunding_an_unknown_order_is_not_found(db, offer):
    with pytest.raises(NotFound) as err:
        refund(offer, "nope")
    assert err.value.field == "order_id"


def test_a_repeated_full_refund_changes_nothing(db, offer, partner):
    record(offer, "R-8", "100", partner_id=partner.id)
    approve_due(NOW + timedelta(days=10))
    refund(offer, "R-8")
    again = refund(offer, "R-8")
    assert again.refunded == 0 and len(commissions(kind="adjustment")) == 1


def test_a_zero_amount_lead_can_be_refunded(db, offer, partner):
    offer.default_commission_kind, offer.default_commission_value = "flat", D("2")
    record(offer, "L-1", "0", partner_id=partner.id, event="lead")
    approve_due(NOW + timedelta(days=10))
    refund(offer, "L-1")
    assert [c.amount for c in commissions()] == [D("2.00"), D("-2.00")]


def test_refunds_are_audited(db, offer, partner):
    record(offer, "R-9", "100", partner_id=partner.id)
    refund(offer, "R-9", "25")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "conversion.refund"))
    assert entry.actor_label == "api key test" and entry.after["refunded_amount"] == "25.00"


# --- the lifecycle ---------------------------------------------------------------------

def test_approve_due_approves_what_is_due_once_and_audits_each(db, offer, partner):
    record(offer, "A-1", "100", partner_id=partner.id, now=NOW)
    record(offer, "A-2", "100", partner_id=partner.id, now=NOW + timedelta(days=5))
    assert approve_due(NOW + timedelta(days=10)) == 1
    assert approve_due(NOW + timedelta(days=10)) == 0  # idempotent
    assert [c.status for c in commissions()] == ["approved", "pending"]
    assert approve_due(NOW + timedelta(days=15)) == 1
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "commission.approve")).all()
    assert len(entries) == 2 and all(e.actor_label == "hold period" for e in entries)
    assert entries[0].note == "hold period over"


def test_held_commissions_wait_for_review(db, offer, partner):
    record(offer, "H-1", "100", partner_id=partner.id)
    [c] = commissions()
    decide(c, "hold", "Click-to-sale time looks odd.")
    assert approve_due(NOW + timedelta(days=30)) == 0
    decide(c, "release")
    assert approve_due(NOW + timedelta(days=30)) == 1


@pytest.mark.parametrize("action", ["reject", "hold"])
def test_reject_and_hold_need_a_reason(db, offer, partner, action):
    record(offer, "Q-1", "100", partner_id=partner.id)
    with pytest.raises(ValidationError) as err:
        decide(commissions()[0], action, "  ")
    assert err.value.field == "reason"
    assert commissions()[0].status == "pending"


def test_manual_decisions_follow_the_transition_table_and_are_audited(db, offer, partner):
    record(offer, "Q-2", "100", partner_id=partner.id)
    [c] = commissions()
    decide(c, "approve")
    with pytest.raises(InvalidTransition):
        decide(c, "reject", "too late")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.subject_type == "commission"))
    assert (entry.action, entry.actor_label, entry.ip) == ("commission.approve", "boss@example.test", "203.0.113.9")
    assert entry.before == {"status": "pending"} and entry.after["status"] == "approved"


def test_adjustments_are_not_decided_on_their_own(db, offer, partner):
    record(offer, "Q-3", "100", partner_id=partner.id)
    refund(offer, "Q-3", "10")
    adjustment = commissions(kind="adjustment")[0]
    with pytest.raises(ValidationError):
        decide(adjustment, "approve")


def test_the_cli_approves_due_commissions(app, db, offer, partner):
    record(offer, "CLI-1", "100", partner_id=partner.id, now=NOW - timedelta(days=400))
    result = app.test_cli_runner().invoke(args=["commissions", "approve-due"])
    assert result.exit_code == 0, result.output
    assert "Approved 1 commission" in result.output
    assert commissions()[0].status == "approved"
    db.session.commit()  # the command shares the test's app context and session
    again = app.test_cli_runner().invoke(args=["commissions", "approve-due"])
    assert "Approved 0 commissions" in again.output


@pytest.mark.parametrize("moves, expected", [
    (["hold"], ["hold", "hold"]),
    (["hold", "release"], ["pending", "pending"]),
    (["hold", "reject"], ["rejected", "rejected"]),
    (["hold", "release", "approve"], ["approved", "approved"]),
])
def test_an_open_adjustment_moves_with_its_commission(db, offer, partner, moves, expected):
    record(offer, "AJ-1", "100", partner_id=partner.id)
    refund(offer, "AJ-1", "40")
    original = commissions(kind="conversion")[0]
    for move in moves:
        decide(original, move, "review" if move in ("hold", "reject") else None)
    assert [c.status for c in commissions()] == expected


def test_a_refund_of_a_held_commission_waits_on_hold_with_it(db, offer, partner):
    record(offer, "AJ-2", "100", partner_id=partner.id)
    decide(commissions()[0], "hold", "review")
    refund(offer, "AJ-2", "25")
    assert [(c.kind, c.status) for c in commissions()] == [("conversion", "hold"), ("adjustment", "hold")]
