"""Every allowed and every forbidden transition of each lifecycle."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from partner_portal.services.errors import InvalidTransition
from partner_portal.services.lifecycle import (
    COMMISSION,
    PARTNER,
    PAYOUT,
    PAYOUT_BATCH,
    STATEMENT_EMAIL,
)

EXPECTED = {
    PARTNER: {
        ("approve", "applied"): "approved",
        ("reject", "applied"): "rejected",
        ("suspend", "approved"): "suspended",
        ("reinstate", "suspended"): "approved",
        ("ban", "applied"): "banned",
        ("ban", "approved"): "banned",
        ("ban", "rejected"): "banned",
        ("ban", "suspended"): "banned",
    },
    COMMISSION: {
        ("approve", "pending"): "approved",
        ("reject", "pending"): "rejected",
        ("reject", "hold"): "rejected",
        ("hold", "pending"): "hold",
        ("release", "hold"): "pending",
        ("mark_paid", "approved"): "paid",
    },
    PAYOUT: {
        ("approve", "draft"): "approved",
        ("send", "approved"): "sent",
        ("mark_paid", "sent"): "paid",
        ("mark_failed", "sent"): "failed",
        ("cancel", "draft"): "canceled",
    },
    STATEMENT_EMAIL: {
        ("start", "pending"): "sending",
        ("mark_sent", "sending"): "sent",
        ("retry", "sending"): "pending",
        ("mark_failed", "sending"): "failed",
        ("skip", "pending"): "skipped",
        ("resend", "failed"): "pending",
    },
    PAYOUT_BATCH: {
        ("approve", "draft"): "approved",
        ("complete", "approved"): "completed",
        ("cancel", "draft"): "canceled",
    },
}

CASES = [
    (lc, action, state)
    for lc in EXPECTED
    for action in lc.transitions
    for state in lc.states
]


@pytest.mark.parametrize("lifecycle, action, state", CASES,
                         ids=[f"{lc.name}-{a}-from-{s}" for lc, a, s in CASES])
def test_transition_table(lifecycle, action, state):
    expected = EXPECTED[lifecycle].get((action, state))
    obj = SimpleNamespace(status=state)
    if expected is None:
        with pytest.raises(InvalidTransition) as err:
            lifecycle.apply(obj, action)
        assert obj.status == state  # nothing changed
        assert state in str(err.value)
    else:
        assert lifecycle.apply(obj, action) == (state, expected)
        assert obj.status == expected


def test_banned_is_final():
    assert PARTNER.allowed_actions("banned") == []


def test_unknown_action_is_refused():
    with pytest.raises(InvalidTransition):
        PARTNER.target("promote", "approved")
