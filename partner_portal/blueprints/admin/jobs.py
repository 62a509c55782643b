"""Scheduled jobs: last run, duration, result and error, next run."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import func, select

from ...extensions import db
from ...jobs.registry import JOBS
from ...jobs.scheduler import next_run_times
from ...models import JobRun
from ...models.base import utcnow
from ...services import job_runs
from ...services.program import program_zone
from . import bp


@bp.route("/jobs")
def jobs_page():
    last = job_runs.last_runs()
    failures = {job_id: n for job_id, n in db.session.execute(
        select(JobRun.job_id, func.count()).where(JobRun.status == "failed").group_by(JobRun.job_id))}
    recent = db.session.scalars(select(JobRun).order_by(JobRun.id.desc()).limit(30)).all()
    upcoming = next_run_times(program_zone(), utcnow())
    return render_template("admin/jobs.html", jobs=JOBS, last=last, failures=failures,
                           failing=job_runs.failing(last), upcoming=upcoming, recent=recent)
