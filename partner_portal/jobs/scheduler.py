"""The scheduler process (`flask scheduler run`): APScheduler 3, never inside web workers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from . import runner
from .registry import JOBS, JobSpec

MISFIRE_GRACE_SECONDS = 15 * 60


def trigger_for(job: JobSpec, zone: ZoneInfo, config=None):
    args = job.resolved_trigger_args(config)
    if job.trigger == "cron":
        return CronTrigger(timezone=zone, **args)
    return IntervalTrigger(timezone=zone, **args)


def next_run_times(zone: ZoneInfo, after: datetime) -> dict[str, datetime | None]:
    return {job.id: trigger_for(job, zone).get_next_fire_time(None, after) for job in JOBS}


def build(app: Flask, zone: ZoneInfo) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=zone, job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS})
    for job in JOBS:
        scheduler.add_job(runner.run, trigger_for(job, zone, app.config), args=[app, job], id=job.id,
                          name=job.description, replace_existing=True)
    return scheduler
