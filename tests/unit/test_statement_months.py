"""Statement months in the program's zone, and masked order references."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from partner_portal.services.errors import ValidationError
from partner_portal.services.statements.data import mask_reference
from partner_portal.services.statements.months import Month, parse_month, period

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 15, 12, tzinfo=timezone.utc)


@pytest.mark.parametrize("value, expected", [
    ("2026-10", Month(2026, 10)), (" 2026-11 ", Month(2026, 11)), ("2025-01", Month(2025, 1)),
])
def test_months_up_to_the_current_one(value, expected):
    assert parse_month(value, now=NOW, zone=NY) == expected


@pytest.mark.parametrize("value, message", [
    ("2026-12", "not started"), ("2027-01", "not started"), ("2026-13", "YYYY-MM"),
    ("2026-00", "YYYY-MM"), ("26-10", "YYYY-MM"), ("October", "YYYY-MM"), ("", "YYYY-MM"),
    (None, "YYYY-MM"), ("1999-12", "YYYY-MM"),
])
def test_bad_months_name_the_field(value, message):
    with pytest.raises(ValidationError) as err:
        parse_month(value, now=NOW, zone=NY)
    assert err.value.field == "month" and message in err.value.message


def test_the_current_month_depends_on_the_program_zone():
    # 1 December 03:00 UTC is still 30 November in New York.
    moment = datetime(2026, 12, 1, 3, tzinfo=timezone.utc)
    assert Month.of(moment, NY) == Month(2026, 11)
    assert Month.of(moment, ZoneInfo("UTC")) == Month(2026, 12)


def test_periods_are_local_months_and_the_current_one_ends_now():
    start, end, to_date = period(Month(2026, 3), now=NOW, zone=NY)
    assert (start, end, to_date) == (datetime(2026, 3, 1, 5, tzinfo=timezone.utc),
                                     datetime(2026, 4, 1, 4, tzinfo=timezone.utc), False)
    start, end, to_date = period(Month(2026, 11), now=NOW, zone=NY)
    assert end == NOW and to_date


@pytest.mark.parametrize("month, before, after", [
    (Month(2026, 12), Month(2026, 11), Month(2027, 1)),
    (Month(2026, 1), Month(2025, 12), Month(2026, 2)),
])
def test_month_arithmetic(month, before, after):
    assert month.previous() == before and month.next() == after


@pytest.mark.parametrize("order_id, shown", [
    ("ORDER-2025-A1234", "****1234"), ("abcdef", "****def"), ("ab", "****b"), ("x", "****"),
    (None, "—"), ("", "—"),
])
def test_order_references_are_masked(order_id, shown):
    assert mask_reference(order_id) == shown
