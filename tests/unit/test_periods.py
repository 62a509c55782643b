"""Periods in the program's time zone, DST days included, and elapsed days."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from partner_portal.services.periods import (
    days_after,
    period_bounds,
    period_key,
    whole_months_between,
)

NY = ZoneInfo("America/New_York")
UTC = timezone.utc


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize("at, period, key", [
    # 2026-03-08 is the spring-forward day in New York (23 hours long)
    (utc(2026, 3, 8, 4, 59), "day", "2026-03-07"),   # 23:59 EST on the 7th
    (utc(2026, 3, 8, 5, 0), "day", "2026-03-08"),    # local midnight
    (utc(2026, 3, 9, 3, 59), "day", "2026-03-08"),   # 23:59 EDT on the 8th
    (utc(2026, 3, 9, 4, 0), "day", "2026-03-09"),
    # 2026-11-01 is the fall-back day (25 hours long)
    (utc(2026, 11, 2, 4, 59), "day", "2026-11-01"),  # 23:59 EST
    (utc(2026, 11, 2, 5, 0), "day", "2026-11-02"),
    (utc(2026, 3, 9, 3, 0), "week", "2026-03-02"),   # Sunday night local: still Monday 2nd's week
    (utc(2026, 3, 9, 4, 0), "week", "2026-03-09"),
    (utc(2026, 4, 1, 3, 59), "month", "2026-03"),    # 23:59 on March 31st local
    (utc(2026, 4, 1, 4, 0), "month", "2026-04"),
    (utc(2026, 12, 31, 12, 0), "month", "2026-12"),
    (utc(2026, 4, 1, 4, 0), "lifetime", "all"),
])
def test_period_keys_follow_the_local_calendar(at, period, key):
    assert period_key(period, at, NY) == key


@pytest.mark.parametrize("day, hours", [((2026, 3, 8, 12), 23), ((2026, 11, 1, 12), 25),
                                        ((2026, 6, 1, 12), 24)])
def test_days_are_23_24_or_25_hours_long(day, hours):
    start, end = period_bounds("day", utc(*day), NY)
    assert end - start == timedelta(hours=hours)
    assert start.astimezone(NY).hour == 0 and end.astimezone(NY).hour == 0


def test_month_and_week_bounds():
    start, end = period_bounds("month", utc(2026, 12, 15), NY)
    assert (start, end) == (utc(2026, 12, 1, 5), utc(2027, 1, 1, 5))
    start, end = period_bounds("week", utc(2026, 3, 5), NY)  # the week the clocks go forward
    assert start.astimezone(NY).weekday() == 0 and end - start == timedelta(days=7, hours=-1)
    assert period_bounds("lifetime", utc(2026, 1, 1), NY) == (None, None)


@pytest.mark.parametrize("elapsed, days", [
    (timedelta(0), 0), (timedelta(hours=23, minutes=59), 0), (timedelta(days=1), 1),
    (timedelta(days=7) - timedelta(seconds=1), 6), (timedelta(days=7), 7),
    (timedelta(days=30) - timedelta(seconds=1), 29), (timedelta(days=30), 30),
])
def test_days_after_counts_whole_days(elapsed, days):
    start = utc(2026, 3, 8, 1, 30)  # across the DST change: elapsed time, not wall clock
    assert days_after(start, start + elapsed) == days


@pytest.mark.parametrize("start, end, months", [
    (utc(2026, 1, 15, 17), utc(2026, 2, 15, 17), 1),
    (utc(2026, 1, 15, 17), utc(2026, 2, 15, 16), 0),
    (utc(2026, 1, 31, 17), utc(2026, 2, 28, 17), 1),   # end of a short month
    (utc(2026, 1, 15, 17), utc(2027, 1, 15, 17), 12),
    (utc(2026, 1, 15, 17), utc(2027, 2, 14, 17), 12),
    (utc(2026, 3, 1, 4, 30), utc(2026, 4, 1, 3, 30), 1),  # same local wall time across DST
    (utc(2026, 5, 1), utc(2026, 4, 1), 0),
])
def test_whole_months_between(start, end, months):
    assert whole_months_between(start, end, NY) == months
