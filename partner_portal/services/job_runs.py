"""What the scheduled jobs' runs came to, for the admin pages."""

from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..models import JobRun


def last_runs() -> dict[str, JobRun]:
    """Each job's latest run, by job id."""
    latest_ids = select(func.max(JobRun.id)).group_by(JobRun.job_id)
    return {r.job_id: r for r in db.session.scalars(select(JobRun).where(JobRun.id.in_(latest_ids)))}


def failing(last: dict[str, JobRun] | None = None) -> list[JobRun]:
    """The latest runs that failed, of the jobs the scheduler runs, in job order."""
    from ..jobs.registry import JOBS

    last = last_runs() if last is None else last
    return [last[job.id] for job in JOBS if job.id in last and last[job.id].status == "failed"]
