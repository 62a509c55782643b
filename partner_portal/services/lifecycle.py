"""Lifecycles as transition tables. Every status change in the domain goes through one.

A table maps an action to the states it may start from and the state it leads to, so
what is allowed is written down once, can be listed on a page, and is tested by walking
the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InvalidTransition


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str


class Lifecycle:
    def __init__(self, name: str, states: tuple[str, ...], transitions: list[Transition]):
        self.name = name
        self.states = states
        self.transitions = {t.action: t for t in transitions}
        for t in transitions:
            unknown = (t.sources | {t.target}) - set(states)
            if unknown:
                raise ValueError(f"{name}: unknown states {unknown} in {t.action}")

    def target(self, action: str, current: str) -> str:
        """The state ``action`` leads to from ``current``, or ``InvalidTransition``."""
        transition = self.transitions.get(action)
        if transition is None or current not in transition.sources:
            raise InvalidTransition(self.name, action, current)
        return transition.target

    def allowed_actions(self, current: str) -> list[str]:
        return [a for a, t in self.transitions.items() if current in t.sources]

    def apply(self, obj, action: str, *, field: str = "status") -> tuple[str, str]:
        """Move ``obj`` along ``action``; returns (before, after)."""
        before = getattr(obj, field)
        after = self.target(action, before)
        setattr(obj, field, after)
        return before, after


def T(action: str, sources: str | tuple[str, ...], target: str) -> Transition:
    if isinstance(sources, str):
        sources = (sources,)
    return Transition(action, frozenset(sources), target)


PARTNER = Lifecycle(
    "partner",
    ("applied", "approved", "rejected", "suspended", "banned"),
    [
        T("approve", "applied", "approved"),
        T("reject", "applied", "rejected"),
        T("suspend", "approved", "suspended"),
        T("reinstate", "suspended", "approved"),
        T("ban", ("applied", "approved", "rejected", "suspended"), "banned"),
    ],
)

COMMISSION = Lifecycle(
    "commission",
    ("pending", "approved", "paid", "rejected", "hold"),
    [
        T("approve", "pending", "approved"),
        T("reject", ("pending", "hold"), "rejected"),
        T("hold", "pending", "hold"),
        T("release", "hold", "pending"),
        T("mark_paid", "approved", "paid"),
    ],
)

PAYOUT = Lifecycle(
    "payout",
    ("draft", "approved", "sent", "paid", "failed", "canceled"),
    [
        T("approve", "draft", "approved"),
        T("send", "approved", "sent"),
        T("mark_paid", "sent", "paid"),
        T("mark_failed", "sent", "failed"),
        T("cancel", "draft", "canceled"),
    ],
)

PAYOUT_BATCH = Lifecycle(
    "payout batch",
    ("draft", "approved", "completed", "canceled"),
    [
        T("approve", "draft", "approved"),
        T("complete", "approved", "completed"),
        T("cancel", "draft", "canceled"),
    ],
)

# The statement email outbox (models/statements.py explains each state).
STATEMENT_EMAIL = Lifecycle(
    "statement email",
    ("pending", "sending", "sent", "failed", "skipped"),
    [
        T("start", "pending", "sending"),
        T("mark_sent", "sending", "sent"),
        T("retry", "sending", "pending"),
        T("mark_failed", "sending", "failed"),
        T("skip", "pending", "skipped"),
        T("resend", "failed", "pending"),
    ],
)

# A month's statements asked for from the admin page (models/statements.py: StatementRun).
STATEMENT_RUN = Lifecycle(
    "statement run",
    ("queued", "running", "succeeded", "failed"),
    [
        T("start", "queued", "running"),
        T("succeed", "running", "succeeded"),
        T("fail", ("queued", "running"), "failed"),
        T("requeue", "running", "queued"),  # interrupted: nobody held the lock any more
    ],
)
