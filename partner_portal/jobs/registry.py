"""Every scheduled job, declared in one place with a stable id.

Triggers are evaluated in the program's time zone (DST included). Each job function takes
``now`` (aware UTC), runs inside an app context, flushes its work and returns a short
summary; the runner commits, records the run and holds a lock so a second scheduler (or a
manual run at the same moment) is harmless.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str  # "module:function", imported when the job runs
    description: str
    trigger: str  # "cron" or "interval"
    trigger_args: dict = field(default_factory=dict)

    def load(self):
        module, _, name = self.func.partition(":")
        return getattr(importlib.import_module(module), name)


JOBS: tuple[JobSpec, ...] = (
    JobSpec("drain-clicks", "partner_portal.jobs.tasks:drain_clicks",
            "Load spooled clicks into the database and the daily rollups.",
            "interval", {"seconds": 5}),
    JobSpec("rollup-upkeep", "partner_portal.jobs.tasks:rollup_upkeep",
            "Rebuild yesterday's and today's rollups from the raw tables (heals any drift).",
            "cron", {"hour": 3, "minute": 17}),
    JobSpec("standings", "partner_portal.jobs.tasks:standings",
            "Rank partners for this month (milestone badges and the leaderboard).",
            "interval", {"minutes": 10}),
)


def get(job_id: str) -> JobSpec:
    for job in JOBS:
        if job.id == job_id:
            return job
    raise KeyError(job_id)
