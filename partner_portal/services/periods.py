"""Calendar periods in the program's time zone (DST included), and elapsed time.

Caps, volume tiers and milestones count per day, ISO week (Monday first), calendar month
or lifetime *in the program's zone*: a day is local midnight to local midnight, which is
23 or 25 hours long on the days the clocks change. Periods are named by a short key
(``2026-03-08`` for a day, the Monday's date for a week, ``2026-03`` for a month, ``all``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

PERIODS = ("day", "week", "month", "lifetime")
LIFETIME_KEY = "all"
DAY = timedelta(days=1)


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of ``day`` in ``zone``, as aware UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(timezone.utc)


def _first_day(period: str, at: datetime, zone: ZoneInfo) -> date | None:
    local = at.astimezone(zone).date()
    if period == "day":
        return local
    if period == "week":
        return local - timedelta(days=local.weekday())
    if period == "month":
        return local.replace(day=1)
    if period == "lifetime":
        return None
    raise ValueError(f"unknown period {period!r}")


def _next_first_day(period: str, first: date) -> date:
    if period == "day":
        return first + timedelta(days=1)
    if period == "week":
        return first + timedelta(days=7)
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def period_key(period: str, at: datetime, zone: ZoneInfo) -> str:
    first = _first_day(period, at, zone)
    if first is None:
        return LIFETIME_KEY
    return first.strftime("%Y-%m") if period == "month" else first.isoformat()


def period_bounds(period: str, at: datetime, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """[start, end) of the period holding ``at``, in UTC; (None, None) for lifetime."""
    first = _first_day(period, at, zone)
    if first is None:
        return None, None
    return _local_midnight(first, zone), _local_midnight(_next_first_day(period, first), zone)


def month_label(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%B %Y")


def days_after(start: datetime, end: datetime) -> int:
    """Whole days (24 hours each) from ``start`` to ``end``: 0 on the first day, 7 from
    exactly seven days on. Cookie windows and time-decay steps compare this number."""
    return (end - start) // DAY


def _add_months(value: datetime, months: int) -> datetime:
    month_index = value.month - 1 + months
    year, month = value.year + month_index // 12, month_index % 12 + 1
    last_day = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return value.replace(year=year, month=month, day=min(value.day, last_day))


def whole_months_between(start: datetime, end: datetime, zone: ZoneInfo) -> int:
    """Calendar months from ``start`` to ``end`` on the local wall clock, counted the way
    people do: Jan 31 → Feb 28 is one month, Jan 15 → Feb 14 is none yet."""
    a = start.astimezone(zone).replace(tzinfo=None)
    b = end.astimezone(zone).replace(tzinfo=None)
    if b < a:
        return 0
    months = (b.year - a.year) * 12 + (b.month - a.month)
    while months > 0 and _add_months(a, months) > b:
        months -= 1
    return months
