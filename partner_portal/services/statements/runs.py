"""Statement runs asked for from the admin Statements page.

The page queues a run for a month (``request``); the scheduler's ``statement-runs`` job
makes it with the same generation the command line and the monthly job use
(``jobs/statements.py``), writing its progress on the run as each statement is stored, so
the page can show "N of M rendered". At most one open run per month: the request takes a
write lock (and, on PostgreSQL, an advisory lock on the month), finds the open run and
returns it, and a partial unique index backs that up — a double click makes one run.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ...extensions import db
from ...models import StatementRun
from .. import audit
from ..errors import NotFound
from ..lifecycle import STATEMENT_RUN
from ..locking import advisory_lock
from .months import Month

ERRORS_KEPT = 20  # failed partners listed on the run (the rest are in the log)


def open_run(month: Month | str) -> StatementRun | None:
    return db.session.scalar(select(StatementRun).where(
        StatementRun.month == str(month), StatementRun.status.in_(("queued", "running"))))


def latest(month: Month | str) -> StatementRun | None:
    """The month's open run, else its most recent one."""
    return open_run(month) or db.session.scalar(
        select(StatementRun).where(StatementRun.month == str(month))
        .order_by(StatementRun.created_at.desc(), StatementRun.id.desc()).limit(1))


def get(run_id: int) -> StatementRun:
    run = db.session.get(StatementRun, run_id)
    if run is None:
        raise NotFound("No such statement run.")
    return run


def request(month: Month, *, email: bool, actor: audit.Actor,
            now: datetime) -> tuple[StatementRun, bool]:
    """Queue the month's statements (once): returns (run, created). The caller began a
    write transaction (``locking.begin_write``)."""
    advisory_lock(f"statement-run:{month}")
    existing = open_run(month)
    if existing is not None:
        return existing, False
    run = StatementRun(month=str(month), status="queued", email=email, created_at=now,
                       requested_by_id=actor.user_id, requested_by_label=actor.label)
    db.session.add(run)
    db.session.flush()
    audit.record(actor, "statements.request", "statement_month", str(month),
                 after={"run": run.id, "email": email}, now=now)
    return run, True


def next_queued() -> StatementRun | None:
    """The run to make next: one left ``running`` by a process that died (the caller holds
    the statements lock, so nobody else is making it), else the oldest queued one."""
    interrupted = db.session.scalar(select(StatementRun).where(StatementRun.status == "running")
                                    .order_by(StatementRun.id).limit(1))
    if interrupted is not None:
        STATEMENT_RUN.apply(interrupted, "requeue")
        return interrupted
    return db.session.scalar(select(StatementRun).where(StatementRun.status == "queued")
                             .order_by(StatementRun.created_at, StatementRun.id).limit(1))


def has_queued() -> bool:
    return db.session.scalar(select(StatementRun.id).where(
        StatementRun.status.in_(("queued", "running"))).limit(1)) is not None


def start(run: StatementRun, *, now: datetime) -> None:
    STATEMENT_RUN.apply(run, "start")
    run.started_at = run.started_at or now
    run.error = None


def finish(run: StatementRun, summary, *, now: datetime) -> None:
    """Record the outcome of ``jobs.statements.Summary``: succeeded, or failed when some
    statements could not be made (each partner and error listed)."""
    run.rendered, run.already, run.failed = (summary.generated, summary.already,
                                             len(summary.failed))
    run.total = run.total if run.total is not None else summary.generated + len(summary.failed)
    run.result = summary.line()[:4000]
    if summary.failed:
        lines = [f"partner #{pid}: {error}" for pid, error in summary.failed[:ERRORS_KEPT]]
        if len(summary.failed) > ERRORS_KEPT:
            lines.append(f"… and {len(summary.failed) - ERRORS_KEPT} more (see the log)")
        run.error = "\n".join(lines)[:4000]
        STATEMENT_RUN.apply(run, "fail")
    else:
        STATEMENT_RUN.apply(run, "succeed")
    run.finished_at = now


def fail(run: StatementRun, error: str, *, now: datetime) -> None:
    STATEMENT_RUN.apply(run, "fail")
    run.error = error[:4000]
    run.finished_at = now
