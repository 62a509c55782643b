"""Running a job once: a lock, an app context, a JobRun record, one commit."""

from __future__ import annotations

import fcntl
import logging
import socket
import traceback
import zlib
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import select, text, update

from ..extensions import db
from ..models import JobRun
from ..models.base import utcnow
from ..services.locking import write_session
from .registry import JobSpec

log = logging.getLogger(__name__)


@contextmanager
def job_lock(app: Flask, job_id: str):
    """Yields True when this process holds the job's lock, False when another holds it.

    PostgreSQL: a session-level advisory lock on a connection of its own, so it holds
    across the job's commits and is freed if the process dies. SQLite (one machine): an
    exclusive file lock next to the database.
    """
    engine = db.engine
    if engine.dialect.name == "postgresql":
        key = zlib.crc32(f"job:{job_id}".encode()) - 2**31
        with engine.connect() as conn:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            conn.commit()
            try:
                yield bool(got)
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
        return
    lock_dir = Path(app.instance_path) / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / f"{job_id}.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


ABANDONED = "Abandoned: the process running it stopped before it finished."


def run(app: Flask, job: JobSpec, now: datetime | None = None) -> JobRun | None:
    """Run ``job`` now unless another process is running it; returns the run record
    (None when skipped because of the lock).

    The job's session is a write session (``locking.write_session``): on SQLite each of
    its transactions takes the write lock first, so a writer committing meanwhile cannot
    fail it with "database is locked". Whatever happens, the run row ends (succeeded or
    failed, with the error and ``finished_at``) and a failure is logged as
    ``job <id> failed: <error>``. The runner never runs a job again by itself: a job's
    side effects (mail, webhooks) happen once, after the commit that records them."""
    with app.app_context():
        try:
            with job_lock(app, job.id) as acquired:
                if not acquired:
                    log.info("job %s is running elsewhere; skipped", job.id)
                    return None
                return _run_locked(job, now or utcnow())
        finally:
            db.session.remove()


def _run_locked(job: JobSpec, started: datetime) -> JobRun:
    write_session()
    _end_abandoned(job.id)
    record = JobRun(job_id=job.id, status="running", started_at=started,
                    host=socket.gethostname()[:255])
    db.session.add(record)
    db.session.commit()  # the job then starts a transaction of its own
    run_id = record.id
    try:
        summary = job.load()(now=started)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        log.error("job %s failed: %s", job.id, error.splitlines()[-1][:300], exc_info=True)
        values = {"status": "failed", "error": error[:4000]}
    else:
        values = {"status": "succeeded", "result": (summary or "")[:4000]}
    try:
        _finish(run_id, **values)
    except Exception:
        db.session.rollback()
        log.error("job %s failed: its run %s could not be recorded (ended at the next run)",
                  job.id, run_id, exc_info=True)
        raise
    record = db.session.get(JobRun, run_id)
    db.session.expunge(record)
    return record


def _finish(run_id: int, **values) -> None:
    db.session.execute(update(JobRun).where(JobRun.id == run_id)
                       .values(finished_at=utcnow(), **values))
    db.session.commit()


def _end_abandoned(job_id: str) -> int:
    """Rows of ``job_id`` still "running" while this process holds the job's lock belong
    to a process that stopped (killed, or its database went away): end them as failed."""
    abandoned = db.session.scalars(select(JobRun.id).where(
        JobRun.job_id == job_id, JobRun.status == "running")).all()
    for run_id in abandoned:
        _finish(run_id, status="failed", error=ABANDONED)
        log.error("job %s failed: run %s abandoned (its process stopped)", job_id, run_id)
    db.session.commit()
    return len(abandoned)


def end_abandoned_runs(app: Flask) -> int:
    """At scheduler start: end every job's runs left "running" by a process that stopped
    (jobs another process is running now keep theirs)."""
    from .registry import JOBS

    ended = 0
    with app.app_context():
        try:
            for job in JOBS:
                with job_lock(app, job.id) as acquired:
                    if acquired:
                        write_session()
                        ended += _end_abandoned(job.id)
        finally:
            db.session.remove()
    return ended
