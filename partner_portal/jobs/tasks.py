"""The job functions. Each takes ``now`` and returns a one-line summary."""

from __future__ import annotations

from datetime import datetime, timedelta


def drain_clicks(now: datetime) -> str:
    from .clicks import drain

    result = drain()
    if result.busy:
        return "another process is draining the spool"
    return f"{result.stored} clicks loaded from {result.segments} segments"


def rollup_upkeep(now: datetime) -> str:
    from ..services import rollups
    from ..services.program import program_zone

    since = (now.astimezone(program_zone()) - timedelta(days=1)).date()
    rows = rollups.rebuild(since=since)
    return f"{rows} rollup rows rebuilt since {since.isoformat()}"


def deliver_webhooks(now: datetime) -> str:
    """Send due webhook deliveries: each attempt claimed and committed before its request,
    its outcome recorded after (``jobs/webhooks.py``)."""
    from .webhooks import deliver_due

    return deliver_due().line()


def monthly_statements(now: datetime) -> str:
    """Last month's statements (program time zone), emailed once."""
    from flask import current_app

    from ..services.audit import Actor
    from ..services.program import program_zone
    from ..services.statements.months import Month
    from .statements import run_month

    month = Month.of(now, program_zone()).previous()
    summary = run_month(current_app._get_current_object(), month, now=now, email=True,
                        actor=Actor.system("scheduler"))
    return summary.line()


def statement_runs(now: datetime) -> str:
    """Make the statement runs managers queued on the admin Statements page."""
    from flask import current_app

    from .statements import make_requested

    return make_requested(current_app._get_current_object())


def statement_emails(now: datetime) -> str:
    """Deliver pending statement emails (retries, resends); the runner holds this job's
    lock, which is the lock every statement email sender holds."""
    from flask import current_app

    from .statements import deliver_emails

    counts = deliver_emails(current_app._get_current_object())
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing to send"


def approve_commissions(now: datetime) -> str:
    from ..services import commissions
    from ..services.locking import begin_write

    begin_write()
    done = commissions.approve_due(now)
    return f"{done} commission{'s' if done != 1 else ''} approved"


def cap_alerts(now: datetime) -> str:
    from ..services import cap_alerts as alerts
    from ..services.locking import begin_write

    begin_write()
    sent = alerts.scan(now)
    return f"{sent} cap alert{'s' if sent != 1 else ''} sent"


def standings(now: datetime) -> str:
    """This month's standings, last month's during the first three days of a month (late
    conversions still move it), and every past month once, on the first run."""
    from ..services import milestones
    from ..services.program import program_zone

    today = now.astimezone(program_zone()).date()
    ranked = milestones.compute_standings(today, now=now)
    summary = f"{ranked} partners ranked for {today:%Y-%m}"
    if today.day <= 3:
        last_month = today.replace(day=1) - timedelta(days=1)
        earlier = milestones.compute_standings(last_month, now=now)
        summary += f", {earlier} for {last_month:%Y-%m}"
    backfill = milestones.months_to_backfill(today)
    for month in backfill:
        milestones.compute_standings(month, now=now)
    if backfill:
        summary += f"; {len(backfill)} earlier months ranked"
    return summary
