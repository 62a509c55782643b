"""Statement runs: render a month's statements on every core, store each as it arrives,
then email them once. Used by ``flask statements generate`` and the scheduler.

- Resumable: partners are streamed by id in chunks and only those without a current
  statement are rendered; each statement is committed on its own, so a run that is killed
  loses at most the ones in flight and the next run does the rest, never a duplicate (the
  unique index on the current version backs that up).
- Every core: a pool of worker processes (``spawn``: each builds its own app and database
  engine) reads the ledger and renders; the parent only writes rows.
- Memory stays flat as partners grow: a bounded chunk of ids is in flight at a time, each
  PDF is written and dropped, nothing is kept per partner.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..mail import tracked
from ..models import StatementRun
from ..models.base import utcnow
from ..services import audit
from ..services.locking import begin_write
from ..services.program import get_program
from ..services.statements import data as statement_data
from ..services.statements import outbox, render, store
from ..services.statements import runs as statement_runs
from ..services.statements.months import Month, period
from .runner import job_lock

log = logging.getLogger(__name__)
CHUNK = 100
EMAIL_LOCK = "statement-emails"
GENERATE_LOCK = "monthly-statements"
# Settings a worker process needs from the parent's app (the rest comes from the environment).
WORKER_CONFIG_KEYS = ("SQLALCHEMY_DATABASE_URI", "STATEMENT_LOGO", "BASE_URL")

Progress = Callable[[int], None]


@dataclass
class Summary:
    month: str
    month_to_date: bool = False
    eligible: int = 0
    already: int = 0
    generated: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)
    emails: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    workers: int = 1

    def line(self) -> str:
        rate = self.generated / self.seconds if self.seconds else 0.0
        text = (f"{self.month}{' (month to date)' if self.month_to_date else ''}: "
                f"{self.generated} generated, {self.already} already there, "
                f"{len(self.failed)} failed, of {self.eligible} partners "
                f"in {self.seconds:.1f}s ({rate:.1f}/s, {self.workers} worker"
                f"{'s' if self.workers != 1 else ''})")
        if self.emails:
            text += "; emails: " + (", ".join(f"{n} {k}" for k, n in sorted(self.emails.items()) if n)
                                    or "nothing to send")
        return text


def default_workers(app: Flask) -> int:
    configured = app.config.get("STATEMENT_WORKERS")
    return max(1, int(configured) if configured else (os.cpu_count() or 1))


# --- worker side ------------------------------------------------------------------------

_worker_app: Flask | None = None


def _init_worker(config_name: str, overrides: dict) -> None:
    global _worker_app
    from .. import create_app

    _worker_app = create_app(config_name, **overrides)
    # The app's modules and objects live as long as the worker: move them out of the
    # garbage collector's sight, so each collection during rendering (WeasyPrint makes many
    # short-lived objects) does not walk them again. Measured: 7% less CPU per statement.
    gc.collect()
    gc.freeze()


def _render(task: tuple) -> tuple[int, bytes | None, object]:
    """(partner id, PDF bytes, StatementData) or (partner id, None, error text)."""
    partner_id, month, now_iso, zone, currency = task
    try:
        data = statement_data.build(partner_id, Month(int(month[:4]), int(month[5:])),
                                    now=datetime.fromisoformat(now_iso), zone=ZoneInfo(zone),
                                    currency=currency)
        return partner_id, render.render(data), data
    except Exception as exc:  # one bad statement must not stop the run
        log.exception("statement for partner %s, %s failed", partner_id, month)
        return partner_id, None, f"{type(exc).__name__}: {exc}"[:500]
    finally:
        db.session.rollback()  # end the read transaction


def _render_in_worker(task: tuple):
    with _worker_app.app_context():
        try:
            return _render(task)
        finally:
            db.session.remove()


# --- parent side ------------------------------------------------------------------------

def _store(data, pdf: bytes, *, generated_by: str, now: datetime) -> bool:
    """Write one statement in its own transaction; False when it was already there."""
    db.session.commit()
    begin_write()
    try:
        _, created = store.save_first(data, pdf, generated_by=generated_by, now=now)
        db.session.commit()
    except IntegrityError:  # another run stored it first
        db.session.rollback()
        return False
    except Exception:
        db.session.rollback()
        raise
    return created


def generate(app: Flask, month: Month, *, now: datetime, workers: int | None = None,
             generated_by: str = "system", progress: Progress | None = None,
             on_plan: Callable[[int], None] | None = None) -> Summary:
    """Render and store every missing statement of ``month``. The caller holds the
    monthly-statements lock."""
    started = time.monotonic()
    program = get_program()
    zone, currency = ZoneInfo(program.timezone), program.currency
    summary = Summary(str(month), month_to_date=period(month, now=now, zone=zone)[2])
    summary.eligible = store.count_eligible(month, zone)
    todo = store.count_missing(month, zone)
    summary.already = summary.eligible - todo
    db.session.commit()
    if on_plan:
        on_plan(todo)
    workers = min(workers or default_workers(app), max(todo, 1))
    summary.workers = workers
    # WeasyPrint keeps memory from every document it lays out (about 0.2 MB each, measured:
    # docs/benchmarks.md), so rendering happens in worker processes that are replaced after
    # STATEMENT_WORKER_TASKS statements: memory stays flat however many partners there are.
    # A small run with one worker renders in this process.
    tasks_per_worker = max(1, int(app.config.get("STATEMENT_WORKER_TASKS") or 500))
    pool = None
    if workers > 1 or todo > tasks_per_worker:
        overrides = {k: app.config.get(k) for k in WORKER_CONFIG_KEYS}
        pool = multiprocessing.get_context("spawn").Pool(
            workers, initializer=_init_worker, initargs=(app.config["ENV_NAME"], overrides),
            maxtasksperchild=tasks_per_worker)
    try:
        after = 0
        while True:
            ids = store.missing_partner_ids(month, zone, after=after, limit=CHUNK)
            db.session.commit()
            if not ids:
                break
            after = ids[-1]
            tasks = [(pid, str(month), now.isoformat(), zone.key, currency) for pid in ids]
            results = pool.imap_unordered(_render_in_worker, tasks) if pool else map(_render, tasks)
            for partner_id, pdf, payload in results:
                if pdf is None:
                    summary.failed.append((partner_id, str(payload)))
                elif _store(payload, pdf, generated_by=generated_by, now=now):
                    summary.generated += 1
                else:
                    summary.already += 1
                if progress:
                    progress(1)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    summary.seconds = time.monotonic() - started
    return summary


def queue_emails(month: Month, *, now: datetime) -> Counter:
    """Outbox rows for every current statement of the month that has none."""
    counts: Counter = Counter()
    after = 0
    while True:
        queued, skipped, after_next = outbox.queue(month, now=now, after=after)
        db.session.commit()
        counts["queued"] += queued
        counts["skipped (opted out)"] += skipped
        if after_next == after:
            return counts
        after = after_next


def _message_domain(app: Flask) -> str:
    sender = app.config.get("MAIL_DEFAULT_SENDER") or "localhost"
    return sender.rsplit("@", 1)[-1].strip("> ") or "localhost"


def deliver_one(app: Flask, email_id: int) -> str:
    """Send one outbox row, committing each step (see services/statements/outbox.py).
    Returns the row's status afterwards."""
    row = outbox.claim(email_id, now=utcnow(), domain=_message_domain(app))
    db.session.commit()
    if row is None:
        return "not pending"
    message_id = row.message_id
    try:
        mail = outbox.message_for(row)
    except Exception as exc:
        db.session.rollback()
        outbox.record_refused(email_id, f"could not build the message: {exc}", transient=False,
                              now=utcnow())
        db.session.commit()
        return "failed"
    db.session.commit()
    try:
        tracked.transmit(mail, message_id)
    except tracked.Refused as exc:
        row = outbox.record_refused(email_id, str(exc), transient=exc.transient, now=utcnow())
        status = "to retry" if row.status == "pending" else row.status
    except tracked.Unknown as exc:
        outbox.record_unknown(email_id, str(exc), now=utcnow())
        status = "failed"
    else:
        outbox.record_sent(email_id, now=utcnow())
        status = "sent"
    db.session.commit()
    return status


def deliver_emails(app: Flask, *, month: Month | None = None, progress: Progress | None = None,
                   only: list[int] | None = None) -> Counter:
    """Deliver pending outbox rows (of ``month``, or ``only`` these). The caller holds the
    statement-emails lock, so a row still ``sending`` belongs to a sender that died."""
    counts: Counter = Counter()
    swept = outbox.sweep_interrupted(utcnow())
    db.session.commit()
    if swept:
        counts["interrupted (now failed)"] += swept
    if only is not None:
        for email_id in only:
            counts[deliver_one(app, email_id)] += 1
        return counts
    after = 0
    while True:
        ids = outbox.pending_ids(month=month, after=after)
        db.session.commit()
        if not ids:
            return counts
        after = ids[-1]
        for email_id in ids:
            counts[deliver_one(app, email_id)] += 1
            if progress:
                progress(1)


def run_month(app: Flask, month: Month, *, now: datetime, email: bool, actor: audit.Actor,
              workers: int | None = None, progress: Progress | None = None,
              on_plan: Callable[[int], None] | None = None) -> Summary:
    """The scheduled job's whole run (the caller holds the monthly-statements lock):
    generate, queue the emails, deliver them unless a delivery run is going on (then that
    run or the next one delivers them). One audit entry for the run."""
    summary = generate(app, month, now=now, workers=workers, generated_by=actor.label,
                       progress=progress, on_plan=on_plan)
    if email:
        summary.emails.update(queue_emails(month, now=now))
        with job_lock(app, EMAIL_LOCK) as acquired:
            if acquired:
                summary.emails.update(deliver_emails(app, month=month))
            else:
                summary.emails["left for the delivery job"] += 1
    record_run(summary, actor=actor, email=email)
    return summary


def record_run(summary: Summary, *, actor: audit.Actor, email: bool) -> None:
    audit.record(actor, "statements.generate", "statement_month", summary.month,
                 after={"generated": summary.generated, "already": summary.already,
                        "failed": len(summary.failed), "email": email,
                        "emails": dict(summary.emails)}, now=utcnow())
    db.session.commit()


# --- runs asked for from the admin Statements page -------------------------------------

PROGRESS_EVERY = 0.5  # seconds between progress writes (and one at the end)


def _update_run(run_id: int, **values) -> None:
    db.session.commit()
    begin_write()
    db.session.execute(update(StatementRun).where(StatementRun.id == run_id).values(**values))
    db.session.commit()


def make_requested(app: Flask, *, workers: int | None = None) -> str:
    """Make every queued statement run (``services/statements/runs.py``), oldest first,
    writing each one's progress as its statements are stored. Holds the monthly-statements
    lock, so it never runs beside the command line or the monthly job: when one of them is
    busy, the runs wait for the next tick. A run that cannot finish is marked failed with
    the reason (and the job fails, so the Scheduled jobs page and the log show it)."""
    if not statement_runs.has_queued():
        db.session.commit()
        return "no statement runs queued"
    db.session.commit()
    lines: list[str] = []
    with job_lock(app, GENERATE_LOCK) as acquired:
        if not acquired:
            return "statements are being made by another process; queued runs wait"
        while True:
            begin_write()
            run = statement_runs.next_queued()
            if run is None:
                db.session.commit()
                break
            started = utcnow()
            statement_runs.start(run, now=started)
            run_id, email = run.id, run.email
            month = Month(int(run.month[:4]), int(run.month[5:]))
            actor = audit.Actor(run.requested_by_id, run.requested_by_label)
            db.session.commit()
            done, last = 0, time.monotonic()

            def plan(total: int, run_id=run_id) -> None:
                _update_run(run_id, total=total, rendered=0, failed=0)

            def step(n: int, run_id=run_id) -> None:
                nonlocal done, last
                done += n
                if time.monotonic() - last >= PROGRESS_EVERY:
                    last = time.monotonic()
                    _update_run(run_id, rendered=done)

            try:
                summary = run_month(app, month, now=started, email=email, actor=actor,
                                    workers=workers, progress=step, on_plan=plan)
            except Exception as exc:
                db.session.rollback()
                log.exception("statement run %s (%s) failed", run_id, month)
                begin_write()
                statement_runs.fail(statement_runs.get(run_id),
                                    f"{type(exc).__name__}: {exc}", now=utcnow())
                db.session.commit()
                raise
            begin_write()
            statement_runs.finish(statement_runs.get(run_id), summary, now=utcnow())
            db.session.commit()
            lines.append(summary.line())
    return "; ".join(lines) or "no statement runs queued"
