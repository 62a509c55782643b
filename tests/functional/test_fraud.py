"""Fraud rules: each fires on its case and stays quiet otherwise; actions; the review queue."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from partner_portal.models import AuditEntry, Click, Commission, Conversion, DailyStat, FraudCase
from partner_portal.models.base import utcnow
from partner_portal.services import audit
from partner_portal.services.fraud import screening
from partner_portal.services.fraud.rules import REGISTRY

from ..factories import LinkFactory, OfferFactory, PartnerFactory

NOW = utcnow()


@pytest.fixture()
def world(db):
    offer = OfferFactory()
    partner = PartnerFactory(signup_ip="198.51.100.77")
    link = LinkFactory(offer=offer, partner=partner)
    db.session.flush()
    return offer, partner, link


def make_conversion(db, offer, partner, link, *, seconds_after_click=3600, ip="203.0.113.5",
                    ua="Mozilla/5.0", customer="cust-1", paid=None, order="o-1", bot=False):
    clicked = NOW - timedelta(seconds=seconds_after_click)
    click = Click(token=f"tok-{order}", link_id=link.id, partner_id=partner.id, offer_id=offer.id,
                  created_at=clicked, ip=ip, user_agent=ua, is_bot=bot, paid_click_param=paid)
    db.session.add(click)
    db.session.flush()
    conversion = Conversion(offer_id=offer.id, order_id=order, partner_id=partner.id,
                            click_row_id=click.id, click_token=click.token, clicked_at=clicked,
                            amount=Decimal("100"), currency="USD", customer_id=customer,
                            occurred_at=NOW, created_at=NOW)
    db.session.add(conversion)
    db.session.flush()
    db.session.add(Commission(partner_id=partner.id, offer_id=offer.id, conversion_id=conversion.id,
                              amount=Decimal("10"), currency="USD", status="pending"))
    db.session.flush()
    return conversion


def rules_fired(conversion):
    return {c.rule for c in screening.screen(conversion, now=NOW)}


def test_fast_conversion(world, db):
    offer, partner, link = world
    assert "fast_conversion" in rules_fired(make_conversion(db, offer, partner, link, seconds_after_click=4, order="a"))
    slow = make_conversion(db, offer, partner, link, seconds_after_click=600, order="b")
    assert "fast_conversion" not in rules_fired(slow)


def test_click_flood(world, db):
    offer, partner, link = world
    quiet = make_conversion(db, offer, partner, link, ip="203.0.113.9", order="q")
    assert "click_flood" not in rules_fired(quiet)
    for i in range(31):
        db.session.add(Click(token=f"f{i}", link_id=link.id, partner_id=partner.id, offer_id=offer.id,
                             created_at=NOW - timedelta(minutes=50), ip="203.0.113.66"))
    loud = make_conversion(db, offer, partner, link, ip="203.0.113.66", order="l")
    assert "click_flood" in rules_fired(loud)


def test_self_referral_by_email_and_by_address(world, db):
    offer, partner, link = world
    by_email = make_conversion(db, offer, partner, link, customer=partner.email.upper(), order="e")
    assert "self_referral" in rules_fired(by_email)
    assert "self_referral" in rules_fired(make_conversion(db, offer, partner, link, ip="198.51.100.77", order="i"))
    assert "self_referral" not in rules_fired(make_conversion(db, offer, partner, link, order="n"))


def test_customer_claimed_by_several_partners(world, db):
    offer, partner, link = world
    other = PartnerFactory()
    make_conversion(db, offer, other, LinkFactory(offer=offer, partner=other), customer="shared", order="x1")
    assert "shared_customer" in rules_fired(make_conversion(db, offer, partner, link, customer="shared", order="x2"))
    assert "shared_customer" not in rules_fired(make_conversion(db, offer, partner, link, customer="solo", order="x3"))


def test_paid_search_only_where_the_offer_forbids_it(world, db):
    offer, partner, link = world
    assert "paid_search" not in rules_fired(make_conversion(db, offer, partner, link, paid="gclid", order="p1"))
    offer.paid_search_allowed = False
    assert "paid_search" in rules_fired(make_conversion(db, offer, partner, link, paid="gclid", order="p2"))
    assert "paid_search" not in rules_fired(make_conversion(db, offer, partner, link, order="p3"))


def test_conversion_rate_far_above_the_program(world, db):
    offer, partner, link = world
    other = PartnerFactory()
    day = NOW.date()
    db.session.add_all([
        DailyStat(day=day, offer_id=offer.id, partner_id=other.id, sub1="", clicks=10000, conversions=100),
        DailyStat(day=day, offer_id=offer.id, partner_id=partner.id, sub1="", clicks=50, conversions=40),
    ])
    db.session.flush()
    assert "conversion_rate" not in rules_fired(make_conversion(db, offer, partner, link, order="c1"))  # < 100 clicks
    db.session.execute(DailyStat.__table__.update().where(DailyStat.partner_id == partner.id)
                       .values(clicks=200, conversions=150))
    assert "conversion_rate" in rules_fired(make_conversion(db, offer, partner, link, order="c2"))


def test_bot_click(world, db):
    offer, partner, link = world
    assert "bot_click" in rules_fired(make_conversion(db, offer, partner, link, bot=True, order="b1"))
    assert "bot_click" not in rules_fired(make_conversion(db, offer, partner, link, order="b2"))


def test_every_registered_rule_is_covered_above():
    assert set(REGISTRY) == {"fast_conversion", "click_flood", "self_referral", "shared_customer",
                             "paid_search", "conversion_rate", "bot_click"}


@pytest.mark.parametrize("action, expected_status", [("flag", "pending"), ("hold", "hold"),
                                                     ("reject", "rejected")])
def test_the_chosen_action_is_applied_and_audited(world, db, action, expected_status):
    offer, partner, link = world
    screening.update_setting("fast_conversion", enabled=True, threshold=10, action=action,
                             actor=audit.Actor.system("test"), now=NOW)
    conversion = make_conversion(db, offer, partner, link, seconds_after_click=2, order=action)
    screening.screen(conversion, now=NOW)
    commission = db.session.scalar(select(Commission).where(Commission.conversion_id == conversion.id))
    assert commission.status == expected_status
    assert db.session.scalar(select(FraudCase.action)) == action
    opened = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "fraud_case.open"))
    assert opened.actor_label == "fraud rule: fast_conversion"


def test_a_disabled_rule_does_nothing(world, db):
    offer, partner, link = world
    screening.update_setting("fast_conversion", enabled=False, threshold=10, action="hold",
                             actor=audit.Actor.system("test"), now=NOW)
    assert "fast_conversion" not in rules_fired(make_conversion(db, offer, partner, link, seconds_after_click=1))


def test_threshold_is_the_programs(world, db):
    offer, partner, link = world
    screening.update_setting("fast_conversion", enabled=True, threshold=120, action="hold",
                             actor=audit.Actor.system("test"), now=NOW)
    assert "fast_conversion" in rules_fired(make_conversion(db, offer, partner, link, seconds_after_click=60))


def test_manager_releases_a_held_commission_from_the_queue(client, login_as, world, db):
    offer, partner, link = world
    conversion = make_conversion(db, offer, partner, link, seconds_after_click=2)
    screening.screen(conversion, now=NOW)
    case = db.session.scalar(select(FraudCase))
    db.session.commit()
    manager = login_as("manager")
    queue = client.get("/admin/fraud").get_data(as_text=True)
    assert "Conversion too soon after the click" in queue and conversion.order_id in queue
    detail = client.get(f"/admin/fraud/{case.id}").get_data(as_text=True)
    assert "Seconds after click" in detail
    assert client.post(f"/admin/fraud/{case.id}", data={"decision": "release"}).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Commission.status)) == "pending"
    case = db.session.get(FraudCase, case.id)
    assert case.status == "released" and case.resolved_by_id == manager.id


def test_rejecting_needs_a_reason_and_then_rejects(client, login_as, world, db):
    offer, partner, link = world
    screening.screen(make_conversion(db, offer, partner, link, seconds_after_click=2), now=NOW)
    case_id = db.session.scalar(select(FraudCase.id))
    db.session.commit()
    login_as("manager")
    refused = client.post(f"/admin/fraud/{case_id}", data={"decision": "reject", "note": ""})
    assert "Say why" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Commission.status)) == "hold"
    client.post(f"/admin/fraud/{case_id}", data={"decision": "reject", "note": "Script traffic"})
    db.session.expire_all()
    assert db.session.scalar(select(Commission.status)) == "rejected"
    assert "Script traffic" in db.session.scalar(select(Commission.status_reason))


def test_analyst_sees_the_queue_but_cannot_decide(client, login_as, world, db):
    offer, partner, link = world
    screening.screen(make_conversion(db, offer, partner, link, seconds_after_click=2), now=NOW)
    case_id = db.session.scalar(select(FraudCase.id))
    db.session.commit()
    login_as("analyst")
    assert client.get("/admin/fraud").status_code == 200
    assert client.post(f"/admin/fraud/{case_id}", data={"decision": "release"}).status_code == 403


def test_rule_settings_page_saves_and_names_bad_fields(client, login_as, db):
    login_as("manager")
    page = client.get("/admin/fraud/rules").get_data(as_text=True)
    assert "Click flood from one address" in page
    bad = client.post("/admin/fraud/rules", data={"code": "fast_conversion", "fast_conversion-enabled": "y",
                                                 "fast_conversion-threshold": "-3",
                                                 "fast_conversion-action": "hold"})
    assert "Enter a number of seconds without a sign" in bad.get_data(as_text=True)
    ok = client.post("/admin/fraud/rules", data={"code": "fast_conversion", "fast_conversion-enabled": "y",
                                                "fast_conversion-threshold": "30",
                                                "fast_conversion-action": "reject"})
    assert ok.status_code == 302
    assert screening.settings()["fast_conversion"].threshold == Decimal("30")


def test_fraud_csv_is_spreadsheet_safe(client, login_as, world, db):
    offer, partner, link = world
    conversion = make_conversion(db, offer, partner, link, seconds_after_click=2, order="=HYPERLINK(1)")
    screening.screen(conversion, now=NOW)
    db.session.commit()
    login_as("analyst")
    body = client.get("/admin/fraud?format=csv").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in body
