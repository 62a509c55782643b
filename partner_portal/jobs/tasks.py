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
