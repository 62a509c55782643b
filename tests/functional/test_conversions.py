"""record_conversion: attribution, cookie windows, coupons, commissions, two-tier, tiers and
milestones, recurring renewals, and bad input."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from partner_portal.models import Click, Conversion, OfferWindow
from partner_portal.services.errors import NotFound, ValidationError
from partner_portal.services.program import get_program

from ..factories import CouponFactory, GroupFactory, OfferFactory, PartnerFactory, RuleFactory
from ..support.conversions import (
    NOW,
    click_token,
    commissions,
    count,
    days_before,
    record,
)

D = Decimal


@pytest.fixture()
def offer(db):
    return OfferFactory(hold_days=30, cookie_window_days=30)


@pytest.fixture()
def partner(db):
    return PartnerFactory(display_name="Ben W.")


def test_a_clicked_sale_is_attributed_and_earns_a_pending_commission(db, offer, partner):
    clicked = days_before(NOW, 12.5)
    token = click_token(partner, offer, clicked)
    db.session.add(Click(token=token, partner_id=partner.id, offer_id=offer.id, created_at=clicked))
    result = record(offer, "A-1", "120.00", click_token=token)

    assert result.created
    conv = result.conversion
    assert (conv.status, conv.partner_id, conv.attributed_via) == ("attributed", partner.id, "click")
    assert conv.click_row_id is not None and conv.clicked_at == clicked.replace(microsecond=0)
    [c] = commissions()
    assert (c.kind, c.status, c.amount, c.partner_id) == ("conversion", "pending", D("12.00"), partner.id)
    assert c.payable_at == NOW + timedelta(days=30)
    assert c.explanation == "10% of $120.00 (offer default), 12 days after the click"


def test_the_same_order_reported_again_is_recorded_once(db, offer, partner):
    first = record(offer, "A-1", "50", partner_id=partner.id)
    again = record(offer, "A-1", "75", partner_id=partner.id)
    assert first.created and not again.created
    assert again.conversion.id == first.conversion.id and again.conversion.amount == D("50")
    assert count(Conversion) == 1 and len(commissions()) == 1


@pytest.mark.parametrize("age, attributed", [
    (timedelta(days=30) - timedelta(seconds=1), True),  # the last moment of a 30-day window
    (timedelta(days=30), False),
    (timedelta(days=90), False),
    (timedelta(0), True),
])
def test_cookie_window_edges(db, offer, partner, age, attributed):
    result = record(offer, "W-1", click_token=click_token(partner, offer, NOW - age))
    conv = result.conversion
    if attributed:
        assert conv.status == "attributed" and len(commissions()) == 1
    else:
        assert conv.status == "unattributed" and conv.partner_id is None
        assert "outside the 30-day cookie window" in conv.status_reason
        assert commissions() == []


def test_a_group_can_have_its_own_cookie_window(db, offer):
    vip = GroupFactory(name="VIP")
    offer.window_overrides.append(OfferWindow(group_id=vip.id, cookie_window_days=60))
    star, plain = PartnerFactory(group=vip), PartnerFactory()
    clicked = days_before(NOW, 45)
    assert record(offer, "G-1", click_token=click_token(star, offer, clicked)).conversion.status == "attributed"
    result = record(offer, "G-2", click_token=click_token(plain, offer, clicked))
    assert result.conversion.status == "unattributed"
    assert "45 days before the conversion, outside the 30-day cookie window" in result.conversion.status_reason


def test_a_coupon_code_credits_its_partner_whatever_the_case(db, offer, partner):
    CouponFactory(partner=partner, code="BenSaves10")
    result = record(offer, "C-1", "80.00", coupon_code="bensaves10")
    assert result.conversion.partner_id == partner.id and result.conversion.attributed_via == "coupon"
    assert commissions()[0].explanation == "10% of $80.00 (offer default), coupon BenSaves10"


@pytest.mark.parametrize("code, active, offer_bound, reason", [
    ("NOPE", True, False, "not an active code"),
    ("OLD10", False, False, "not an active code"),
    ("OTHER10", True, True, "not an active code"),
])
def test_unusable_coupons_leave_the_conversion_unattributed(db, offer, partner, code, active,
                                                             offer_bound, reason):
    CouponFactory(partner=partner, code=code if code != "NOPE" else "REAL10", is_active=active,
                  offer=OfferFactory() if offer_bound else None)
    conv = record(offer, "C-2", coupon_code=code).conversion
    assert conv.status == "unattributed" and reason in conv.status_reason


@pytest.mark.parametrize("model, winner", [("last_click", "coupon"), ("first_click", "click")])
def test_the_attribution_model_picks_between_a_click_and_a_coupon(db, offer, model, winner):
    offer.attribution_model = model
    clicker, couponer = PartnerFactory(), PartnerFactory()
    CouponFactory(partner=couponer, code="LATE10")
    conv = record(offer, "M-1", click_token=click_token(clicker, offer, days_before(NOW, 3)),
                  coupon_code="LATE10").conversion
    expected = couponer if winner == "coupon" else clicker
    assert conv.partner_id == expected.id and conv.attributed_via == winner


@pytest.mark.parametrize("status", ["suspended", "applied", "banned", "rejected"])
def test_only_approved_partners_are_credited(db, offer, status):
    partner = PartnerFactory(status=status)
    conv = record(offer, "S-1", partner_id=partner.id).conversion
    assert conv.status == "unattributed"
    assert f"is {status}, not approved" in conv.status_reason


def test_a_partner_outside_the_offers_groups_is_not_credited(db, offer):
    vip, other = GroupFactory(), GroupFactory()
    offer.groups = [vip]
    conv = record(offer, "X-1", partner_id=PartnerFactory(group=other).id).conversion
    assert conv.status == "unattributed" and "may not promote this offer" in conv.status_reason
    assert record(offer, "X-2", partner_id=PartnerFactory(group=vip).id).conversion.status == "attributed"


def test_forged_or_foreign_click_ids_are_recorded_unattributed(db, offer, partner):
    token = click_token(partner, offer, days_before(NOW, 1))
    forged = record(offer, "F-1", click_token=token[:-3] + "xyz").conversion
    assert forged.status == "unattributed" and "not a valid, signed click id" in forged.status_reason
    other = OfferFactory()
    foreign = record(offer, "F-2", click_token=click_token(partner, other, days_before(NOW, 1))).conversion
    assert foreign.status == "unattributed" and "belongs to another offer" in foreign.status_reason
    nothing = record(offer, "F-3").conversion
    assert nothing.status_reason == "No click_id, coupon code or partner was given."


@pytest.mark.parametrize("fields, field", [
    ({"currency": "EUR"}, "currency"),
    ({"amount": "-1"}, "amount"),
    ({"amount": "1.001"}, "amount"),
    ({"event": "purchase"}, "event"),
    ({"order_id": "  "}, "order_id"),
    ({"order_id": "x" * 129}, "order_id"),
    ({"occurred_at": NOW + timedelta(hours=2)}, "occurred_at"),
    ({"occurred_at": NOW.replace(tzinfo=None)}, "occurred_at"),
])
def test_bad_input_names_the_field_and_records_nothing(db, offer, partner, fields, field):
    from partner_portal.services.conversions import ConversionInput, record_conversion

    from ..support.conversions import API, unit_of_work

    values = dict(offer_id=offer.id, order_id="B-1", amount="10.00", currency="USD",
                  partner_id=partner.id)
    values.update(fields)
    with pytest.raises(ValidationError) as err:
        unit_of_work(record_conversion, ConversionInput(**values), actor=API, now=NOW)
    assert err.value.field == field
    assert count(Conversion) == 0 and commissions() == []


def test_an_unknown_offer_is_not_found(db):
    from partner_portal.services.conversions import ConversionInput, record_conversion

    from ..support.conversions import API, unit_of_work

    with pytest.raises(NotFound) as err:
        unit_of_work(record_conversion, ConversionInput(offer_id=999, order_id="N-1",
                                                        amount="1", currency="USD"),
                     actor=API, now=NOW)
    assert err.value.field == "offer_id"


def test_rules_override_the_default_with_partner_over_group_over_offer(db, offer):
    vip = GroupFactory(name="VIP")
    star, member, plain = PartnerFactory(group=vip), PartnerFactory(group=vip), PartnerFactory()
    RuleFactory(offer=offer, name="base", params={"value": "8"})
    RuleFactory(offer=offer, name="VIP-sales", scope="group", group=vip, params={"value": "12"})
    RuleFactory(offer=offer, name="star-deal", scope="partner", partner=star, params={"value": "20"})
    amounts = {p.id: record(offer, f"P-{i}", "100", partner_id=p.id).commissions[0]
               for i, p in enumerate((star, member, plain))}
    assert amounts[star.id].amount == D("20.00") and "star-deal (partner override)" in amounts[star.id].explanation
    assert amounts[member.id].amount == D("12.00")
    assert "VIP-sales (VIP group override)" in amounts[member.id].explanation
    assert amounts[plain.id].amount == D("8.00")


def test_inactive_rules_are_ignored(db, offer, partner):
    RuleFactory(offer=offer, params={"value": "50"}, is_active=False)
    assert record(offer, "I-1", "100", partner_id=partner.id).commissions[0].amount == D("10.00")


def test_two_tier_the_recruiter_earns_a_share(db, offer):
    program = get_program()
    program.subaffiliate_share, program.subaffiliate_levels = D("10"), 1
    grand = PartnerFactory(display_name="Gina")
    parent = PartnerFactory(display_name="Ann", parent=grand)
    recruit = PartnerFactory(display_name="Ben W.", parent=parent)
    rows = record(offer, "T-1", "120.00", partner_id=recruit.id).commissions
    assert [(c.partner_id, c.kind, c.amount) for c in rows] == [
        (recruit.id, "conversion", D("12.00")), (parent.id, "tier2", D("1.20"))]
    assert "10% of Ben W.'s commission of $12.00" in rows[1].explanation
    assert "order T-1" in rows[1].explanation

    program.subaffiliate_levels = 2  # deeper only when the program says so
    rows = record(offer, "T-2", "120.00", partner_id=recruit.id).commissions
    assert [(c.partner_id, c.amount) for c in rows[1:]] == [(parent.id, D("1.20")), (grand.id, D("1.20"))]
    assert "level 2" in rows[2].explanation


def test_two_tier_skips_recruiters_who_are_not_approved(db, offer):
    get_program().subaffiliate_share = D("10")
    parent = PartnerFactory(status="suspended")
    recruit = PartnerFactory(parent=parent)
    assert [c.kind for c in record(offer, "T-3", "100", partner_id=recruit.id).commissions] == ["conversion"]


def test_milestone_bonus_is_paid_once_at_the_nth_conversion(db, offer, partner):
    RuleFactory(offer=offer, name="third-sale", kind="milestone",
                params={"count": 3, "period": "month", "amount": "50"})
    kinds = [[c.kind for c in record(offer, f"MS-{i}", "10", partner_id=partner.id).commissions]
             for i in range(5)]
    assert kinds == [["conversion"], ["conversion"], ["conversion", "bonus"], ["conversion"], ["conversion"]]
    [bonus] = commissions(kind="bonus")
    assert bonus.amount == D("50.00") and "3rd sale of March 2026" in bonus.explanation


@pytest.mark.parametrize("mode, expected", [
    ("excess", [D("10.00"), D("10.00"), D("20.00"), D("20.00")]),
    ("all", [D("10.00"), D("10.00"), D("20.00"), D("20.00"), D("20.00")]),  # + top-up of 2 × 10
])
def test_volume_tiers_in_sequence(db, offer, partner, mode, expected):
    RuleFactory(offer=offer, name="tiers", kind="tiered",
                params={"rate_kind": "percent", "mode": mode,
                        "tiers": [{"from": 1, "value": "10"}, {"from": 3, "value": "20"}]})
    for i in range(4):
        record(offer, f"V-{i}", "100", partner_id=partner.id)
    assert [c.amount for c in commissions()] == expected
    if mode == "all":
        assert "Tier 2 reached with the 3rd sale of March 2026" in commissions(kind="bonus")[0].explanation


def test_tiers_restart_with_each_month_in_the_program_zone(db, offer, partner):
    get_program().timezone = "America/New_York"
    RuleFactory(offer=offer, kind="tiered", params={
        "rate_kind": "percent", "mode": "excess",
        "tiers": [{"from": 1, "value": "10"}, {"from": 2, "value": "20"}]})
    from datetime import datetime, timezone

    march_31_late = datetime(2026, 4, 1, 3, 30, tzinfo=timezone.utc)  # 23:30 on March 31 in NY
    april_1 = datetime(2026, 4, 1, 4, 30, tzinfo=timezone.utc)        # 00:30 on April 1 in NY
    record(offer, "Z-1", "100", partner_id=partner.id, occurred_at=march_31_late, now=april_1)
    record(offer, "Z-2", "100", partner_id=partner.id, occurred_at=april_1, now=april_1)
    assert [c.amount for c in commissions()] == [D("10.00"), D("10.00")]


def test_renewals_follow_the_customer_to_the_referring_partner(db, offer, partner):
    RuleFactory(offer=offer, name="subs", kind="recurring", event="renewal",
                params={"rate_kind": "percent", "value": "20", "months": 3})
    start = NOW - timedelta(days=200)
    record(offer, "S-0", "39.00", partner_id=partner.id, customer_id="cust-1",
           occurred_at=start, now=start)
    paid = []
    for month in range(1, 6):
        at = start + timedelta(days=31 * month)
        result = record(offer, f"S-{month}", "39.00", event="renewal", customer_id="cust-1",
                        occurred_at=at, now=at)
        assert result.conversion.partner_id == partner.id
        assert result.conversion.attributed_via == "customer"
        paid.append(result.commissions[0].amount)
    assert paid == [D("7.80"), D("7.80"), D("7.80"), D("0.00"), D("0.00")]
    assert "past the 3-month recurring period" in commissions()[-1].explanation


def test_a_renewal_from_an_unknown_customer_is_unattributed(db, offer):
    conv = record(offer, "R-1", "39.00", event="renewal", customer_id="stranger").conversion
    assert conv.status == "unattributed"


def test_time_decay_uses_the_days_since_the_click(db, offer, partner):
    RuleFactory(offer=offer, kind="time_decay", params={
        "rate_kind": "percent", "value": "10",
        "steps": [{"days": 7, "share": "100"}, {"days": 30, "share": "50"}]})
    offer.cookie_window_days = 60
    got = [record(offer, f"TD-{d}", "100", click_token=click_token(partner, offer, days_before(NOW, d)))
           .commissions[0].amount for d in (1, 10, 40)]
    assert got == [D("10.00"), D("5.00"), D("0.00")]
