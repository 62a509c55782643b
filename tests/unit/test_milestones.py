"""Badges from a partner's conversion history and monthly standings."""

from __future__ import annotations

from datetime import date

import pytest

from partner_portal.models import MonthlyStanding
from partner_portal.services import milestones
from partner_portal.services.milestones import History

# Past months come from the standings (a month each), this month day by day.
COUNTS = [(date(2026, 8, 1), 1, False), (date(2026, 9, 1), 8, False),
          (date(2026, 10, 3), 1, True), (date(2026, 10, 9), 95, True)]


def badge(code):
    return next(b for b in milestones.BADGES if b.code == code)


@pytest.mark.parametrize("code, counts, earned, when, progress", [
    ("first_sale", [], False, None, (0, 1)),
    ("first_sale", COUNTS, True, "August 2026", None),
    ("ten_sales", COUNTS[:2], False, None, (9, 10)),
    ("ten_sales", COUNTS, True, "2026-10-03", None),
    ("hundred_sales", COUNTS[:3], False, None, (10, 100)),
    ("hundred_sales", COUNTS, True, "2026-10-09", None),
])
def test_sales_milestones(code, counts, earned, when, progress):
    result = badge(code).evaluate(History(counts, []))
    assert (result.earned, result.when, result.progress) == (earned, when, progress)


def standing(month, rank, ranked):
    return MonthlyStanding(month=month, partner_id=1, conversions=5, rank=rank, ranked=ranked)


@pytest.mark.parametrize("rank, ranked, top", [
    (1, 1, True),     # alone: the top partner is the top 10%
    (1, 5, True),     # fewer than ten: only first place
    (2, 5, False),
    (2, 22, True),    # 22 ranked: places 1 and 2
    (3, 22, False),
    (10, 100, True),
    (11, 100, False),
])
def test_top_ten_percent_cutoff(rank, ranked, top):
    assert milestones.is_top(standing(date(2026, 10, 1), rank, ranked)) is top


def test_top_badge_names_the_latest_month_it_was_earned():
    standings = [standing(date(2026, 11, 1), 9, 20), standing(date(2026, 10, 1), 1, 20),
                 standing(date(2026, 8, 1), 2, 20)]
    result = badge("top_10").evaluate(History([], standings))
    assert result.earned and result.when == "October 2026 (and 1 more month)"
    assert not badge("top_10").evaluate(History([], standings[:1])).earned


@pytest.mark.parametrize("name, display, shown", [
    ("Ava Walker", None, "Ava W."),
    ("Ava Maria Walker", None, "Ava W."),
    ("Cher", None, "Cher"),
    ("Ava Walker", "TrailRunner", "TrailRunner"),
])
def test_leaderboard_names(name, display, shown):
    from partner_portal.models import Partner

    assert milestones.leaderboard_name(Partner(name=name, display_name=display)) == shown
