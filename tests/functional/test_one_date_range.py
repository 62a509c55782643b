"""One date range for every page that picks a period: admin reports and ledgers and the
partner dashboard read the same query string (``start``/``end``, with ``from``/``to``
still accepted), reject the same bad input naming the field, allow the same span and
compare with the same previous period."""

from __future__ import annotations

import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from partner_portal.services import ranges
from partner_portal.services.errors import ValidationError

UTC = ZoneInfo("UTC")
TODAY = date(2026, 3, 15)


def shown(html: str, first: str, last: str) -> tuple[str, str]:
    """The dates a page's range picker shows (input ids ``first`` and ``last``)."""
    values = [re.search(rf'id="{name}"[^>]*value="([^"]*)"', html) for name in (first, last)]
    assert all(values), "no range picker on the page"
    return values[0].group(1), values[1].group(1)


def error_of(html: str) -> str:
    match = re.search(r'<div class="flash error"[^>]*>(.*?)</div>', html, re.S)
    return match.group(1) if match else ""


@pytest.fixture(params=["admin", "partner"])
def side(request, client, login_as):
    """A signed-in page of each side and the ids of its picker's inputs."""
    if request.param == "admin":
        login_as("owner")
        return "/admin/reports", ("start", "end")
    login_as("partner")
    return "/partner/", ("from", "to")


@pytest.mark.parametrize("names", [("start", "end"), ("from", "to")])
def test_both_sides_read_both_parameter_names(client, side, names):
    url, inputs = side
    first, last = names
    html = client.get(f"{url}?range=custom&{first}=2026-02-01&{last}=2026-02-10").get_data(
        as_text=True)
    assert shown(html, *inputs) == ("2026-02-01", "2026-02-10")
    assert error_of(html) == ""


@pytest.mark.parametrize("query, message", [
    ("start=2026-02-10&end=2026-02-01", "The end date is before the start date."),
    ("from=2026-02-10&to=2026-02-01", "The end date is before the start date."),
    ("start=yesterday&end=2026-02-01", "Enter a date as YYYY-MM-DD."),
    ("from=2020-01-01&to=2026-01-01", "Choose at most three years."),
])
def test_both_sides_reject_bad_input_alike(client, side, query, message):
    url, _ = side
    html = client.get(f"{url}?range=custom&{query}").get_data(as_text=True)
    assert message in error_of(html)


def test_both_sides_allow_the_same_span(client, side):
    """Three years (1,098 days) is the one limit, on the API's ``/stats`` too."""
    url, inputs = side
    last = date(2026, 1, 1)
    first = last - timedelta(days=ranges.MAX_DAYS - 1)
    html = client.get(f"{url}?range=custom&start={first}&end={last}").get_data(as_text=True)
    assert shown(html, *inputs) == (first.isoformat(), last.isoformat())
    assert ranges.MAX_DAYS == 1098


@pytest.mark.parametrize("args, field", [
    ({"start": "2026-02-10", "end": "2026-02-01"}, "end"),
    ({"from": "2026-02-10", "to": "2026-02-01"}, "to"),
    ({"start": "nope", "end": "2026-02-01"}, "start"),
    ({"from": "nope", "to": "2026-02-01"}, "from"),
    ({"start": "2026-02-01"}, "end"),
    ({"start": "2020-01-01", "end": "2026-01-01"}, "end"),
])
def test_an_error_names_the_field_the_caller_sent(args, field):
    with pytest.raises(ValidationError) as error:
        ranges.from_args({"range": "custom", **args}, today=TODAY, zone=UTC)
    assert error.value.field == field


@pytest.mark.parametrize("key", ["today", "7d", "30d", "this_month", "last_month"])
def test_one_previous_period_for_every_caller(key):
    period = ranges.from_args({"range": key}, today=TODAY, zone=UTC)
    before = period.previous()
    assert len(before.days) == len(period.days)
    assert before.end == period.start - timedelta(days=1)
