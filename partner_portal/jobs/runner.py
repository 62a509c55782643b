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
from sqlalchemy import text

from ..extensions import db
from ..models import JobRun
from ..models.base import utcnow
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


def run(app: Flask, job: JobSpec, now: datetime | None = None) -> JobRun | None:
    """Run ``job`` now unless another process is running it; returns the run record
    (None when skipped because of the lock)."""
    with app.app_context():
        with job_lock(app, job.id) as acquired:
            if not acquired:
                log.info("job %s is running elsewhere; skipped", job.id)
                return None
            started = now or utcnow()
            record = JobRun(job_id=job.id, status="running", started_at=started,
                            host=socket.gethostname()[:255])
            db.session.add(record)
            db.session.flush()
            run_id = record.id
            db.session.commit()  # the job then starts a transaction of its own
            try:
                summary = job.load()(now=started)
                db.session.commit()
            except Exception as exc:
                db.session.rollback()
                log.exception("job %s failed", job.id)
                record = db.session.get(JobRun, run_id)
                record.status, record.error = "failed", "".join(
                    traceback.format_exception_only(type(exc), exc)).strip()[:4000]
            else:
                record = db.session.get(JobRun, run_id)
                record.status, record.result = "succeeded", (summary or "")[:4000]
            record.finished_at = utcnow()
            db.session.commit()
            db.session.refresh(record)
            db.session.expunge(record)
            db.session.remove()
            return record
