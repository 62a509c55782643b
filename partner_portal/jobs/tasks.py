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
