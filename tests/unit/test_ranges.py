"""Date ranges in the program's zone, and the period before each."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from partner_portal.services import ranges
from partner_portal.services.errors import ValidationError

NY = ZoneInfo("America/New_York")
# 02:30 UTC on 1 March is still 28 February in New York.
LATE_EVENING = datetime(2026, 3, 1, 2, 30, tzinfo=timezone.utc)


def picked_at(now, zone, key, **args):
    """The range the partner dashboard's query string (``from``/``to``) selects at ``now``."""
    return ranges.from_args({"range": key, **args}, today=ranges.local_today(now, zone), zone=zone)


@pytest.mark.parametrize("key, start, end", [
    ("today", date(2026, 2, 28), date(2026, 2, 28)),
    ("7d", date(2026, 2, 22), date(2026, 2, 28)),
    ("30d", date(2026, 1, 30), date(2026, 2, 28)),
    ("this_month", date(2026, 2, 1), date(2026, 2, 28)),
    ("last_month", date(2026, 1, 1), date(2026, 1, 31)),
    ("nonsense", date(2026, 1, 30), date(2026, 2, 28)),  # unknown keys: the default
    (None, date(2026, 1, 30), date(2026, 2, 28)),
])
def test_presets_are_whole_days_in_the_program_zone(key, start, end):
    period = picked_at(LATE_EVENING, NY, key)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("key, prev_start, prev_end", [
    ("today", date(2026, 2, 27), date(2026, 2, 27)),
    ("7d", date(2026, 2, 15), date(2026, 2, 21)),
    ("this_month", date(2026, 1, 4), date(2026, 1, 31)),  # 28 days before 1 February
    ("last_month", date(2025, 12, 1), date(2025, 12, 31)),  # 31 days before 1 January
])
def test_the_previous_period_has_the_same_length_and_ends_the_day_before(key, prev_start, prev_end):
    period = picked_at(LATE_EVENING, NY, key)
    previous = period.previous()
    assert (previous.start, previous.end) == (prev_start, prev_end)
    assert previous.days == period.days


def test_a_custom_range_and_its_bounds_in_utc_across_a_dst_change():
    period = picked_at(LATE_EVENING, NY, "custom", **{"from": "2026-03-08", "to": "2026-03-08"})
    first, after = period.utc_bounds()
    # 8 March 2026 is the spring-forward day in New York: 23 hours long.
    assert first == datetime(2026, 3, 8, 5, 0, tzinfo=timezone.utc)
    assert after == datetime(2026, 3, 9, 4, 0, tzinfo=timezone.utc)
    assert period.as_args() == {"range": "custom", "from": "2026-03-08", "to": "2026-03-08"}
    assert period.label == "2026-03-08 – 2026-03-08"


@pytest.mark.parametrize("start, end, field", [
    ("2026-02-10", "2026-02-01", "to"),
    ("yesterday", "2026-02-01", "from"),
    ("2026-02-01", "", "to"),
    ("2020-01-01", "2026-01-01", "to"),  # longer than two years
])
def test_a_bad_custom_range_names_the_field(start, end, field):
    with pytest.raises(ValidationError) as error:
        picked_at(LATE_EVENING, NY, "custom", **{"from": start, "to": end})
    assert error.value.field == field


@pytest.mark.parametrize("day, first, last", [
    (date(2026, 2, 14), date(2026, 2, 1), date(2026, 2, 28)),
    (date(2028, 2, 29), date(2028, 2, 1), date(2028, 2, 29)),
    (date(2026, 12, 31), date(2026, 12, 1), date(2026, 12, 31)),
])
def test_month_of(day, first, last):
    assert ranges.month_of(day) == (first, last)
