"""The admin's offer editor, commission structure editor and caps editor, through HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from partner_portal.models import AuditEntry, Cap, CommissionRule, Offer, OfferWindow
from partner_portal.models.base import utcnow

from ..factories import CapFactory, GroupFactory, OfferFactory, PartnerFactory, RuleFactory
from ..support.conversions import record

D = Decimal
GOOD = {
    "name": "Summit Backpacks", "description": "Packs for long days.",
    "destination_url": "https://shop.example.com/packs",
    "allowed_domains": "Shop.Example.com\nblog.example.com\nblog.example.com",
    "currency": "EUR", "cookie_window_days": "45", "attribution_model": "first_click",
    "hold_days": "21", "fallback_url": "https://shop.example.com/", "status": "active",
    "default_commission_kind": "percent", "default_commission_value": "7.5",
}


def count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_manager_creates_an_offer_with_groups_and_group_windows(client, db, login_as):
    login_as("manager")
    vip, creators = GroupFactory(name="VIP"), GroupFactory(name="Creators")
    response = client.post("/admin/offers/new", data={**GOOD, "group_ids": [vip.id],
                                                      f"window_{vip.id}": "60",
                                                      f"window_{creators.id}": ""})
    offer = db.session.scalar(select(Offer).where(Offer.name == "Summit Backpacks"))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/offers/{offer.id}/rules"
    assert offer.allowed_domains == "shop.example.com\nblog.example.com"
    assert (offer.currency, offer.cookie_window_days, offer.hold_days) == ("EUR", 45, 21)
    assert offer.attribution_model == "first_click" and offer.default_commission_value == D("7.5")
    assert [g.name for g in offer.groups] == ["VIP"]
    assert [(w.group_id, w.cookie_window_days) for w in offer.window_overrides] == [(vip.id, 60)]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "offer.create"))
    assert entry.after["groups"] == ["VIP"] and entry.after["windows"] == {"VIP": 60}


@pytest.mark.parametrize("field, value, message", [
    ("destination_url", "javascript:alert(1)", "Only http:// and https:// addresses"),
    ("destination_url", "ftp://files.example.com/x", "Only http:// and https:// addresses"),
    ("destination_url", "https://user@evil.example/", "with a host name"),
    ("destination_url", "https://shop.example.com/a b", "may not contain spaces"),
    ("destination_url", "", "Enter a web address"),
    ("fallback_url", "//evil.example", "Only http:// and https:// addresses"),
    ("allowed_domains", "https://blog.example.com/path", "is not a host name"),
    ("allowed_domains", "evil..example", "is not a host name"),
    ("cookie_window_days", "0", "Enter a whole number from 1"),
    ("cookie_window_days", "ten", "Enter a whole number"),
    ("hold_days", "-1", "Enter a whole number"),
    ("default_commission_value", "150", "Enter at most 100"),
    ("name", "", "Give the offer a name"),
])
def test_bad_offer_input_names_the_field_and_changes_nothing(client, db, login_as, field, value,
                                                             message):
    login_as("manager")
    response = client.post("/admin/offers/new", data={**GOOD, field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and f'id="{field}-error"' in html
    assert count(db, Offer) == 0


def test_editing_an_offer_is_audited_with_before_and_after(client, db, login_as):
    login_as("manager")
    offer = OfferFactory(name="Boots", cookie_window_days=30)
    data = {**GOOD, "name": "Boots", "currency": "USD", "cookie_window_days": "14"}
    response = client.post(f"/admin/offers/{offer.id}/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).cookie_window_days == 14
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "offer.update"))
    assert entry.before["cookie_window_days"] == 30 and entry.after["cookie_window_days"] == 14


def test_the_currency_cannot_change_once_conversions_exist(client, db, login_as):
    login_as("manager")
    offer = OfferFactory(name="Boots")
    record(offer, "O-1", partner_id=PartnerFactory().id)
    response = client.post(f"/admin/offers/{offer.id}/edit", data={**GOOD, "name": "Boots"})
    assert response.status_code == 422
    assert "already has conversions in USD" in response.get_data(as_text=True)


def test_pausing_takes_effect_at_once(client, db, login_as):
    login_as("manager")
    offer = OfferFactory()
    response = client.post(f"/admin/offers/{offer.id}/status", data={"status": "paused"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).status == "paused"
    assert "Activate" in client.get("/admin/offers").get_data(as_text=True)
    assert count(db, AuditEntry, AuditEntry.action == "offer.pause") == 1


def test_analysts_see_offers_but_cannot_change_them(client, db, login_as):
    login_as("analyst")
    offer = OfferFactory(name="Read Only Boots")
    assert "Read Only Boots" in client.get("/admin/offers").get_data(as_text=True)
    page = client.get(f"/admin/offers/{offer.id}/edit").get_data(as_text=True)
    assert "can view offers but not change them" in page and "Save offer" not in page
    assert client.post(f"/admin/offers/{offer.id}/edit", data=GOOD).status_code == 403


def test_unknown_offers_are_not_found(client, db, login_as):
    login_as("manager")
    for path in ("/admin/offers/99/edit", "/admin/offers/99/rules", "/admin/offers/99/caps"):
        assert client.get(path).status_code == 404


# --- the commission structure editor -------------------------------------------------

RULE = {"name": "VIP-sales", "kind": "percent", "event": "sale", "scope": "offer",
        "is_active": "y", "value": "12.5", "rate_kind": "percent"}


def test_rules_are_added_listed_and_explained(client, db, login_as):
    login_as("manager")
    offer = OfferFactory()
    vip = GroupFactory(name="VIP")
    client.post(f"/admin/offers/{offer.id}/rules/new", data=RULE)
    client.post(f"/admin/offers/{offer.id}/rules/new", data={
        **RULE, "name": "VIP-tiers", "kind": "tiered", "scope": "group", "group_id": vip.id,
        "tiers": "1: 10\n51: 12", "tier_mode": "all"})
    rules = db.session.scalars(select(CommissionRule).order_by(CommissionRule.position)).all()
    assert [(r.name, r.scope, r.group_id) for r in rules] == [("VIP-sales", "offer", None),
                                                             ("VIP-tiers", "group", vip.id)]
    assert rules[1].params == {"rate_kind": "percent", "mode": "all",
                               "tiers": [{"from": 1, "value": "10"}, {"from": 51, "value": "12"}]}
    page = client.get(f"/admin/offers/{offer.id}/rules").get_data(as_text=True)
    assert "12.5% of the sale amount" in page
    assert "VIP group override" in page
    assert "sales 1–50: 10%; 51+: 12%" in page


def test_a_partner_override_is_found_by_email_or_reference(client, db, login_as):
    login_as("manager")
    offer, partner = OfferFactory(), PartnerFactory(email="star@example.test")
    for who in ("STAR@example.test", partner.ref):
        response = client.post(f"/admin/offers/{offer.id}/rules/new",
                               data={**RULE, "scope": "partner", "partner": who})
        assert response.status_code == 302
    assert count(db, CommissionRule, CommissionRule.partner_id == partner.id) == 2
    response = client.post(f"/admin/offers/{offer.id}/rules/new",
                           data={**RULE, "scope": "partner", "partner": "nobody@example.test"})
    assert response.status_code == 422 and 'id="partner-error"' in response.get_data(as_text=True)


@pytest.mark.parametrize("data, field", [
    ({"name": ""}, "name"),
    ({"value": "abc"}, "value"),
    ({"kind": "tiered", "tiers": "3: 10"}, "tiers"),
    ({"kind": "recurring", "event": "sale", "months": "12"}, "event"),
    ({"kind": "time_decay", "steps": "7: 100\n3: 50"}, "steps"),
    ({"kind": "milestone", "count": "0", "amount": "5"}, "count"),
    ({"scope": "group", "group_id": "0"}, "group_id"),
])
def test_bad_rules_name_the_field_and_change_nothing(client, db, login_as, data, field):
    login_as("manager")
    offer = OfferFactory()
    response = client.post(f"/admin/offers/{offer.id}/rules/new", data={**RULE, **data})
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert count(db, CommissionRule) == 0


def test_rules_are_edited_reordered_and_deleted(client, db, login_as):
    login_as("manager")
    offer = OfferFactory()
    first = RuleFactory(offer=offer, name="first", position=1)
    second = RuleFactory(offer=offer, name="second", position=2)
    edit = client.get(f"/admin/offers/{offer.id}/rules/{first.id}/edit").get_data(as_text=True)
    assert 'value="first"' in edit
    client.post(f"/admin/offers/{offer.id}/rules/{first.id}/edit",
                data={**RULE, "name": "first", "value": "11"})
    client.post(f"/admin/offers/{offer.id}/rules/{second.id}/move", data={"direction": "up"})
    db.session.expire_all()
    names = [r.name for r in db.session.scalars(select(CommissionRule).order_by(CommissionRule.position))]
    assert names == ["second", "first"]
    assert db.session.get(CommissionRule, first.id).params == {"value": "11"}
    client.post(f"/admin/offers/{offer.id}/rules/{second.id}/delete")
    assert count(db, CommissionRule) == 1
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"commission_rule.update", "commission_rule.move", "commission_rule.delete"} <= actions


def test_a_rule_of_another_offer_is_not_found(client, db, login_as):
    login_as("manager")
    offer, other = OfferFactory(), OfferFactory()
    rule = RuleFactory(offer=other)
    assert client.get(f"/admin/offers/{offer.id}/rules/{rule.id}/edit").status_code == 404
    assert client.post(f"/admin/offers/{offer.id}/rules/{rule.id}/delete").status_code == 404
    assert count(db, CommissionRule) == 1


# --- caps -----------------------------------------------------------------------------

CAP = {"metric": "conversions", "period": "month", "limit": "10", "scope": "offer",
       "caps_conversions": "y", "is_active": "y"}


def test_caps_are_added_and_shown_with_usage_bars(client, db, login_as):
    login_as("manager")
    offer = OfferFactory(fallback_url="https://shop.example.com/")
    response = client.post(f"/admin/offers/{offer.id}/caps", data=CAP)
    assert response.status_code == 302
    partner = PartnerFactory()
    for i in range(7):  # this month, as the page shows the current period
        record(offer, f"U-{i}", partner_id=partner.id, now=utcnow())
    page = client.get(f"/admin/offers/{offer.id}/caps").get_data(as_text=True)
    assert "Monthly conversion cap of 10 on this offer" in page
    assert 'aria-valuenow="7"' in page and 'aria-valuemax="10"' in page and "7 of 10" in page
    assert "usage-fill w-70" in page
    overview = client.get("/admin/caps").get_data(as_text=True)
    assert "7 of 10" in overview


@pytest.mark.parametrize("data, field", [
    ({"limit": "0"}, "limit"),
    ({"limit": "2.5"}, "limit"),
    ({"metric": "commission", "limit": "10.001"}, "limit"),
    ({"scope": "group", "group_id": "0"}, "group_id"),
    ({"scope": "offer_partner", "partner": "ghost@example.test"}, "partner"),
    ({"caps_conversions": "", "redirects_clicks": ""}, "caps_conversions"),
])
def test_bad_caps_name_the_field(client, db, login_as, data, field):
    login_as("manager")
    offer = OfferFactory(fallback_url="https://shop.example.com/")
    payload = {k: v for k, v in {**CAP, **data}.items() if v != ""}
    response = client.post(f"/admin/offers/{offer.id}/caps", data=payload)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert count(db, Cap) == 0


def test_a_redirecting_cap_needs_a_fallback_url(client, db, login_as):
    login_as("manager")
    offer = OfferFactory(fallback_url=None)
    response = client.post(f"/admin/offers/{offer.id}/caps",
                           data={**CAP, "metric": "clicks", "redirects_clicks": "y"})
    assert response.status_code == 422 and "fallback URL first" in response.get_data(as_text=True)


def test_editing_a_cap_applies_to_the_next_conversion(client, db, login_as):
    login_as("manager")
    offer = OfferFactory()
    cap = CapFactory(offer=offer, period="month", limit_value=D("1"))
    partner = PartnerFactory()
    assert record(offer, "E-1", partner_id=partner.id).conversion.status == "attributed"
    assert record(offer, "E-2", partner_id=partner.id).conversion.status == "capped"
    client.post(f"/admin/offers/{offer.id}/caps/{cap.id}/edit", data={**CAP, "limit": "5"})
    assert record(offer, "E-3", partner_id=partner.id).conversion.status == "attributed"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "cap.update"))
    assert entry.before["limit_value"] == "1.0000" and entry.after["limit_value"] == "5"
    client.post(f"/admin/offers/{offer.id}/caps/{cap.id}/delete")
    assert count(db, Cap) == 0


def test_group_windows_are_kept_when_the_group_is_still_listed(db):
    """The window overrides live in their own table, removed with the offer."""
    offer = OfferFactory()
    group = GroupFactory()
    offer.window_overrides.append(OfferWindow(group_id=group.id, cookie_window_days=9))
    db.session.commit()
    db.session.delete(offer)
    db.session.commit()
    assert count(db, OfferWindow) == 0
