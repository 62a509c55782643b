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
    # Trigger arguments read from the app's config: {"hour": "STATEMENT_HOUR"}.
    config_args: dict = field(default_factory=dict)

    def resolved_trigger_args(self, config=None) -> dict:
        if config is None:
            from flask import current_app, has_app_context

            config = current_app.config if has_app_context() else {}
        args = dict(self.trigger_args)
        for name, key in self.config_args.items():
            if config.get(key) is not None:
                args[name] = config[key]
        return args

    def load(self):
        module, _, name = self.func.partition(":")
        return getattr(importlib.import_module(module), name)


JOBS: tuple[JobSpec, ...] = (
    JobSpec("drain-clicks", "partner_portal.jobs.tasks:drain_clicks",
            "Load spooled clicks into the database and the daily rollups.",
            "interval", {"seconds": 5}),
    JobSpec("webhook-deliveries", "partner_portal.jobs.tasks:deliver_webhooks",
            "Send webhook deliveries that are due, retrying failures with backoff.",
            "interval", {"seconds": 10}),
    JobSpec("rollup-upkeep", "partner_portal.jobs.tasks:rollup_upkeep",
            "Rebuild yesterday's and today's rollups from the raw tables (heals any drift).",
            "cron", {"hour": 3, "minute": 17}),
    JobSpec("monthly-statements", "partner_portal.jobs.tasks:monthly_statements",
            "Make last month's statement for every partner and email it (once).",
            "cron", {"day": 1, "hour": 6, "minute": 0}, {"hour": "STATEMENT_HOUR"}),
    JobSpec("approve-commissions", "partner_portal.jobs.tasks:approve_commissions",
            "Approve pending commissions whose hold period is over.",
            "cron", {"hour": 2, "minute": 5}),
    JobSpec("cap-alerts", "partner_portal.jobs.tasks:cap_alerts",
            "Email managers about caps at 80 % and 100 % (once per cap, period and level).",
            "interval", {"minutes": 5}),
    JobSpec("statement-runs", "partner_portal.jobs.tasks:statement_runs",
            "Make the months' statements managers asked for on the Statements page.",
            "interval", {"seconds": 5}),
    JobSpec("statement-emails", "partner_portal.jobs.tasks:statement_emails",
            "Send statement emails that are due: retries and resends.",
            "interval", {"minutes": 5}),
    JobSpec("standings", "partner_portal.jobs.tasks:standings",
            "Rank partners for this month (milestone badges and the leaderboard).",
            "interval", {"minutes": 10}),
)


def get(job_id: str) -> JobSpec:
    for job in JOBS:
        if job.id == job_id:
            return job
    raise KeyError(job_id)
