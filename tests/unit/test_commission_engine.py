"""Precedence, explanations and two-tier shares in the engine (pure, no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from partner_portal.services.commission_engine import (
    OfferDefault,
    RuleSpec,
    choose_rules,
    quote,
    tier2_shares,
)
from partner_portal.services.commission_rules import Context

D = Decimal
DEFAULT = OfferDefault("percent", D("5"))
SALE = Context("sale", D("120.00"), "USD", days_after_click=12, month_label="March 2026")


def rule(name, kind="percent", event="sale", level="offer", **params):
    labels = {"group": "VIP group override", "partner": "partner override"}
    params = params or {"value": "10"}
    return RuleSpec(hash(name) % 1000, name, kind, event, params, level, labels.get(level, ""))


OFFER = rule("offer-sales", value="10")
GROUP = rule("VIP-sales", level="group", value="15")
PARTNER = rule("own-deal", level="partner", value="20")
LEAD = rule("leads", kind="flat", event="lead", value="2")
MILESTONE = rule("ten-sales", kind="milestone", count=1, period="month", amount="50")


@pytest.mark.parametrize("rules, level, amount", [
    ([], "default", D("6.00")),                         # the offer's default commission
    ([OFFER], "offer", D("12.00")),
    ([OFFER, GROUP], "group", D("18.00")),              # the group's override wins
    ([OFFER, GROUP, PARTNER], "partner", D("24.00")),   # the partner's own wins over all
    ([OFFER, PARTNER], "partner", D("24.00")),
    ([LEAD], "default", D("6.00")),                     # a lead rule does not pay for a sale
    ([GROUP, LEAD], "group", D("18.00")),
])
def test_precedence_partner_over_group_over_offer_over_default(rules, level, amount):
    q = quote(rules, DEFAULT, SALE)
    assert (q.level, q.amount) == (level, amount)


def test_precedence_is_per_event():
    rules = [rule("p-lead", kind="flat", event="lead", level="partner", value="3"), OFFER]
    assert quote(rules, DEFAULT, SALE).level == "offer"
    lead = Context("lead", D("0"), "USD")
    assert quote(rules, DEFAULT, lead).amount == D("3.00")


def test_bonus_rules_resolve_separately_from_payout_rules():
    """A VIP payout override does not switch off the offer's milestone bonus."""
    q = quote([OFFER, GROUP, MILESTONE], DEFAULT, SALE)
    assert q.amount == D("18.00") and q.bonus_amount == D("50.00")
    group_bonus = rule("vip-bonus", kind="milestone", level="group", count=1, period="month",
                       amount="80")
    assert quote([MILESTONE, group_bonus], DEFAULT, SALE).bonus_amount == D("80.00")


def test_rules_of_the_winning_level_add_up_and_each_line_is_rounded():
    """Flat plus percent (a hybrid deal): each line rounded first, so the words add up."""
    rules = [rule("base", kind="flat", value="1.00"),
             rule("rev-share", value="12.5")]
    q = quote(rules, DEFAULT, Context("sale", D("0.20"), "USD"))
    assert [line.amount for line in q.lines] == [D("1.00"), D("0.03")]
    assert q.amount == D("1.03")
    assert q.explanation.endswith("= $1.03")


def test_explanation_says_how_it_was_computed():
    q = quote([OFFER, GROUP], DEFAULT, SALE, note="12 days after the click")
    assert q.explanation == ("15% of $120.00 under rule VIP-sales (VIP group override), "
                             "12 days after the click")
    assert quote([], DEFAULT, SALE).explanation == "5% of $120.00 (offer default)"


def test_choose_rules_keeps_the_rules_order():
    second = rule("second", value="1")
    level, chosen = choose_rules([OFFER, second, LEAD], "sale", bonus=False)
    assert level == "offer" and [r.name for r in chosen] == ["offer-sales", "second"]


@pytest.mark.parametrize("base, share, chain, expected", [
    (D("12.00"), D("10"), [(7, "Ann")], [D("1.20")]),
    (D("12.00"), D("10"), [(7, "Ann"), (8, "Cid")], [D("1.20"), D("1.20")]),
    (D("0.05"), D("10"), [(7, "Ann")], [D("0.01")]),     # 0.005 rounds half-up
    (D("0.00"), D("10"), [(7, "Ann")], []),              # nothing to share
    (D("12.00"), D("0"), [(7, "Ann")], []),              # two-tier switched off
    (D("12.00"), D("10"), [], []),                       # no recruiter
])
def test_tier2_shares(base, share, chain, expected):
    shares = tier2_shares(base, "USD", share, "Ben W.", chain)
    assert [s.amount for s in shares] == expected
    assert [s.level for s in shares] == list(range(1, len(expected) + 1))
    if shares:
        assert "Ben W.'s commission of $12.00" in shares[0].explanation or base != D("12.00")
