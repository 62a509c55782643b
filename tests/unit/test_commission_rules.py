"""Every commission rule kind, their validation, rounding and currencies (pure, no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from partner_portal.services.commission_rules import REGISTRY, Context, get_kind
from partner_portal.services.errors import ValidationError

D = Decimal


def lines(kind: str, raw: dict, currency: str = "USD", **ctx):
    rule = get_kind(kind)
    params = rule.parse(raw, currency)
    ctx.setdefault("event", "sale")
    ctx.setdefault("amount", D("120.00"))
    return [(line.amount, line.text, line.bonus) for line in
            rule.lines(params, Context(currency=currency, **ctx))]


def amounts(kind, raw, currency="USD", **ctx):
    return [a for a, _t, _b in lines(kind, raw, currency, **ctx)]


@pytest.mark.parametrize("kind, raw, ctx, expected", [
    # flat: the amount whatever the sale
    ("flat", {"value": "25"}, {}, [D("25.00")]),
    ("flat", {"value": "2.5"}, {"event": "lead", "amount": D("0")}, [D("2.50")]),
    # percent of the sale, rounded half-up to the cent
    ("percent", {"value": "10"}, {}, [D("12.00")]),
    ("percent", {"value": "12.5"}, {"amount": D("0.20")}, [D("0.03")]),   # 0.025 -> 0.03
    ("percent", {"value": "12.5"}, {"amount": D("0.12")}, [D("0.02")]),   # 0.015 -> 0.02
    ("percent", {"value": "33.3333"}, {"amount": D("10.00")}, [D("3.33")]),
    ("percent", {"value": "10"}, {"event": "lead", "amount": D("0")}, [D("0.00")]),
])
def test_flat_and_percent(kind, raw, ctx, expected):
    assert amounts(kind, raw, **ctx) == expected


@pytest.mark.parametrize("currency, amount, rate, expected", [
    ("USD", "99.99", "7.5", "7.50"),      # 7.49925 -> 7.50
    ("EUR", "0.07", "50", "0.04"),        # 0.035 -> 0.04 (half-up, not banker's)
    ("JPY", "1250", "10", "125"),
    ("JPY", "1255", "10", "126"),         # 125.5 -> 126
    ("BHD", "10.005", "10", "1.001"),     # 1.0005 -> 1.001, three decimals
    ("GBP", "0.05", "10", "0.01"),        # 0.005 -> 0.01
])
def test_one_rounding_rule_in_every_currency(currency, amount, rate, expected):
    assert amounts("percent", {"value": rate}, currency, amount=D(amount)) == [D(expected)]


TIERS = {"rate_kind": "percent", "tiers": "1: 10\n51: 12\n101: 15"}


@pytest.mark.parametrize("mode, position, before, expected", [
    ("excess", 1, D("0"), [(D("12.00"), False)]),
    ("excess", 50, D("5880"), [(D("12.00"), False)]),
    ("excess", 51, D("6000"), [(D("14.40"), False)]),
    ("excess", 101, D("12000"), [(D("18.00"), False)]),
    # all: the sale that reaches a tier pays the new rate and tops up the month's earlier ones
    ("all", 50, D("5880"), [(D("12.00"), False)]),
    ("all", 51, D("5880"), [(D("14.40"), False), (D("117.60"), True)]),   # 2% of 5,880
    ("all", 52, D("6000"), [(D("14.40"), False)]),
    ("all", 101, D("12000"), [(D("18.00"), False), (D("360.00"), True)]),  # 3% of 12,000
])
def test_volume_tiers(mode, position, before, expected):
    got = lines("tiered", {**TIERS, "tier_mode": mode}, month_position=position,
                month_amount_before=before, month_label="March 2026")
    assert [(a, b) for a, _t, b in got] == expected
    assert f"the {position}" in got[0][1] and "March 2026" in got[0][1]


def test_flat_tiers_top_up_per_earlier_conversion():
    got = lines("tiered", {"rate_kind": "flat", "tiers": "1: 5\n11: 7", "tier_mode": "all"},
                month_position=11, month_amount_before=D("999"))
    assert [a for a, _t, _b in got] == [D("7.00"), D("20.00")]  # 2.00 more for each of 10
    assert "for each of the month's 10 earlier sales" in got[1][1]


@pytest.mark.parametrize("months, limit, expected", [
    (None, "12", D("7.80")),   # no first sale known: counted as the start
    (0, "12", D("7.80")),
    (1, "12", D("7.80")),
    (12, "12", D("7.80")),     # the twelfth month still pays
    (13, "12", D("0")),        # the thirteenth does not
    (240, "", D("7.80")),      # for life
])
def test_recurring(months, limit, expected):
    got = lines("recurring", {"rate_kind": "percent", "value": "20", "months": limit},
                event="renewal", amount=D("39.00"), months_since_first=months)
    assert [a for a, _t, _b in got] == [expected]
    if expected == 0:
        assert "past the 12-month recurring period" in got[0][1]


DECAY = {"rate_kind": "percent", "value": "10", "steps": "7: 100\n30: 50"}


@pytest.mark.parametrize("days, expected", [
    (None, D("12.00")),  # no click time (coupon): first step
    (0, D("12.00")),
    (6, D("12.00")),     # the last day of "within 7 days"
    (7, D("6.00")),      # from 7 whole days on: half
    (29, D("6.00")),
    (30, D("0")),        # nothing from day 30
    (400, D("0")),
])
def test_time_decay_edges(days, expected):
    assert amounts("time_decay", DECAY, days_after_click=days) == [expected]


def test_time_decay_flat():
    raw = {"rate_kind": "flat", "value": "5", "steps": "3: 100\n10: 40"}
    assert amounts("time_decay", raw, days_after_click=5) == [D("2.00")]


@pytest.mark.parametrize("period, month_pos, life_pos, expected", [
    ("month", 9, 9, []),
    ("month", 10, 40, [D("100.00")]),
    ("month", 11, 41, []),
    ("ever", 10, 10, [D("100.00")]),
    ("ever", 10, 11, []),
])
def test_milestone(period, month_pos, life_pos, expected):
    got = lines("milestone", {"count": "10", "milestone_period": period, "amount": "100"},
                month_position=month_pos, lifetime_position=life_pos)
    assert [a for a, _t, _b in got] == expected
    assert all(bonus for _a, _t, bonus in got)


@pytest.mark.parametrize("kind, raw, field", [
    ("flat", {"value": "-1"}, "value"),
    ("flat", {"value": "1.001"}, "value"),
    ("flat", {"value": "abc"}, "value"),
    ("percent", {"value": "101"}, "value"),
    ("percent", {"value": ""}, "value"),
    ("tiered", {"rate_kind": "percent", "tiers": "5: 10"}, "tiers"),
    ("tiered", {"rate_kind": "percent", "tiers": "1: 10\n1: 12"}, "tiers"),
    ("tiered", {"rate_kind": "percent", "tiers": "1: 12\n10: 10"}, "tiers"),
    ("tiered", {"rate_kind": "percent", "tiers": "one ten"}, "tiers"),
    ("tiered", {"rate_kind": "percent", "tiers": "1: 10", "tier_mode": "some"}, "tier_mode"),
    ("tiered", {"rate_kind": "bogus", "tiers": "1: 10"}, "rate_kind"),
    ("recurring", {"rate_kind": "percent", "value": "10", "months": "0"}, "months"),
    ("time_decay", {"rate_kind": "percent", "value": "10", "steps": "30: 50\n7: 100"}, "steps"),
    ("time_decay", {"rate_kind": "percent", "value": "10", "steps": "7: 150"}, "steps"),
    ("time_decay", {"rate_kind": "percent", "value": "10", "steps": ""}, "steps"),
    ("milestone", {"count": "0", "amount": "10"}, "count"),
    ("milestone", {"count": "5", "amount": "0"}, "amount"),
    ("milestone", {"count": "5", "amount": "10", "milestone_period": "year"}, "milestone_period"),
])
def test_bad_settings_name_the_field(kind, raw, field):
    with pytest.raises(ValidationError) as err:
        get_kind(kind).parse(raw, "USD")
    assert err.value.field == field


def test_flat_amounts_follow_the_currency_minor_unit():
    assert get_kind("flat").parse({"value": "500"}, "JPY") == {"value": "500"}
    with pytest.raises(ValidationError):
        get_kind("flat").parse({"value": "500.5"}, "JPY")


def test_api_style_settings_are_accepted():
    params = get_kind("tiered").parse(
        {"rate_kind": "percent", "mode": "all", "tiers": [{"from": 1, "value": "10"},
                                                          {"from": 51, "value": 12}]}, "USD")
    assert params["tiers"] == [{"from": 1, "value": "10"}, {"from": 51, "value": "12"}]


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_every_kind_describes_itself_and_round_trips_through_the_form(kind):
    rule = REGISTRY[kind]
    samples = {
        "flat": {"value": "5"}, "percent": {"value": "10"},
        "tiered": {**TIERS, "tier_mode": "all"},
        "recurring": {"rate_kind": "percent", "value": "20", "months": "12"},
        "time_decay": DECAY, "milestone": {"count": "25", "milestone_period": "month", "amount": "100"},
    }
    params = rule.parse(samples[kind], "USD")
    event = rule.events[0]
    assert rule.describe(params, "USD", event)
    assert rule.parse(rule.form_values(params), "USD") == params


def test_unknown_kind_names_the_field():
    with pytest.raises(ValidationError) as err:
        get_kind("lottery")
    assert err.value.field == "kind"
