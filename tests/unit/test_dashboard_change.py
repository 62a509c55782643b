"""How the partner dashboard says a change against the period before."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from partner_portal.services.partner_stats import Change


@pytest.mark.parametrize("current, previous, kind, higher_is_better, style, tone", [
    (0, 0, "count", True, "none", "neutral"),            # nothing either time: nothing said
    (None, D(5), "money", True, "none", "neutral"),       # no figure (EPC without clicks)
    (D("0.04"), None, "rate", True, "none", "neutral"),   # no rate the period before
    (7, 7, "count", True, "same", "neutral"),
    (5, 0, "count", True, "new", "good"),
    (D("12.00"), D(0), "money", False, "new", "bad"),     # refunds where there were none
    (150, 60, "count", True, "percent", "good"),
    (6, 2, "count", True, "amount", "good"),              # a base too small for a percentage
    (19, 20, "count", True, "percent", "bad"),
    (D("1471.95"), D("13.27"), "money", True, "amount", "good"),  # not "▲ 10992.3%"
    (D("0"), D("5.00"), "money", True, "percent", "bad"),  # all of it gone: -100%
    (D("-5"), D("-10"), "money", True, "amount", "good"),  # a negative base
    (D("0.0400"), D("0.0333"), "rate", True, "points", "good"),
    (D("20"), D("5"), "money", False, "percent", "bad"),  # more refunds
    (D("5"), D("20"), "money", False, "percent", "good"),  # fewer refunds
])
def test_style_and_tone(current, previous, kind, higher_is_better, style, tone):
    change = Change(current, previous, kind, higher_is_better)
    assert (change.style, change.tone) == (style, tone)


def test_the_difference_is_exact():
    assert Change(D("1471.95"), D("13.27"), "money").difference == D("1458.68")
