"""Caps: metric × period × scope, capped conversions, clicks to the fallback, live edits,
DST days in the program zone, and the 80 % / 100 % alerts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from partner_portal.models import AuditEntry, CapUsage
from partner_portal.services import cap_alerts, caps
from partner_portal.services.program import get_program

from ..factories import CapFactory, GroupFactory, OfferFactory, PartnerFactory, RuleFactory
from ..support.conversions import NOW, commissions, conversions, record, unit_of_work

D = Decimal


@pytest.fixture()
def offer(db):
    return OfferFactory(fallback_url="https://shop.example.com/fallback")


def statuses(offer, partner, n, start=0, **fields):
    return [record(offer, f"K-{start + i}", "100", partner_id=partner.id, **fields).conversion.status
            for i in range(n)]


def test_conversions_past_the_cap_are_recorded_as_capped_and_earn_nothing(db, offer):
    CapFactory(offer=offer, metric="conversions", period="day", limit_value=D("2"))
    partner = PartnerFactory()
    assert statuses(offer, partner, 4) == ["attributed", "attributed", "capped", "capped"]
    capped = conversions(status="capped")[0]
    assert capped.status_reason == "Daily conversion cap of 2 on this offer reached."
    assert len(commissions()) == 2
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "conversion.capped"))
    assert entry.subject_id == str(capped.id) and "Daily conversion cap" in entry.note


def test_a_commission_cap_counts_money_exactly(db, offer):
    CapFactory(offer=offer, metric="commission", period="month", limit_value=D("0.30"))
    RuleFactory(offer=offer, kind="flat", params={"value": "0.10"})
    partner = PartnerFactory()
    # three commissions of 0.10 fill a 0.30 cap exactly (no float drift), the fourth is capped
    assert statuses(offer, partner, 4) == ["attributed"] * 3 + ["capped"]
    assert "Monthly commission cap of $0.30" in conversions(status="capped")[0].status_reason


def test_a_per_partner_cap_counts_each_partner_separately(db, offer):
    CapFactory(offer=offer, scope="offer_partner", period="week", limit_value=D("1"))
    a, b = PartnerFactory(), PartnerFactory()
    assert statuses(offer, a, 2) == ["attributed", "capped"]
    assert statuses(offer, b, 2, start=10) == ["attributed", "capped"]


def test_a_cap_for_one_partner_leaves_the_others_alone(db, offer):
    a, b = PartnerFactory(), PartnerFactory()
    CapFactory(offer=offer, scope="offer_partner", partner=a, period="lifetime", limit_value=D("1"))
    assert statuses(offer, a, 2) == ["attributed", "capped"]
    assert statuses(offer, b, 2, start=10) == ["attributed", "attributed"]


def test_a_group_cap_counts_the_groups_partners_together(db, offer):
    vip = GroupFactory()
    CapFactory(offer=offer, scope="group", group=vip, period="month", limit_value=D("2"))
    a, b, outsider = PartnerFactory(group=vip), PartnerFactory(group=vip), PartnerFactory()
    assert statuses(offer, a, 1) + statuses(offer, b, 2, start=5) == ["attributed", "attributed", "capped"]
    assert statuses(offer, outsider, 2, start=10) == ["attributed", "attributed"]


def test_caps_count_per_day_in_the_program_zone_on_a_dst_day(db, offer):
    get_program().timezone = "America/New_York"
    CapFactory(offer=offer, period="day", limit_value=D("1"))
    partner = PartnerFactory()
    # 2026-03-08 has 23 hours in New York; 23:30 EDT that day is 03:30 UTC on the 9th
    late_8th = datetime(2026, 3, 9, 3, 30, tzinfo=timezone.utc)
    early_9th = datetime(2026, 3, 9, 4, 30, tzinfo=timezone.utc)   # 00:30 on the 9th
    early_8th = datetime(2026, 3, 8, 5, 30, tzinfo=timezone.utc)   # 00:30 EST on the 8th
    now = early_9th + timedelta(hours=1)
    got = [record(offer, f"D-{i}", "10", partner_id=partner.id, occurred_at=at, now=now).conversion.status
           for i, at in enumerate((early_8th, late_8th, early_9th))]
    assert got == ["attributed", "capped", "attributed"]
    keys = sorted(db.session.scalars(select(CapUsage.period_key)))
    assert keys == ["2026-03-08", "2026-03-09"]


def test_a_capped_conversion_does_not_take_a_tier_position(db, offer):
    partner = PartnerFactory()
    RuleFactory(offer=offer, kind="milestone", params={"count": 2, "period": "ever", "amount": "5"})
    cap = CapFactory(offer=offer, period="lifetime", limit_value=D("1"))
    assert statuses(offer, partner, 2) == ["attributed", "capped"]
    cap.limit_value = D("5")  # edited live: takes effect with the next conversion
    assert statuses(offer, partner, 1, start=2) == ["attributed"]
    assert len(commissions(kind="bonus")) == 1  # the second *accepted* conversion got it


def test_cap_edits_take_effect_at_once(db, offer):
    cap = CapFactory(offer=offer, period="month", limit_value=D("1"))
    partner = PartnerFactory()
    assert statuses(offer, partner, 2) == ["attributed", "capped"]
    cap.is_active = False  # a switched-off cap neither limits nor counts
    assert statuses(offer, partner, 1, start=2) == ["attributed"]
    cap.is_active, cap.limit_value = True, D("2")
    assert statuses(offer, partner, 2, start=3) == ["attributed", "capped"]


def test_a_redirect_only_cap_counts_but_never_caps_conversions(db, offer):
    CapFactory(offer=offer, period="day", limit_value=D("1"), caps_conversions=False,
               redirects_clicks=True)
    partner = PartnerFactory()
    assert caps.click_allowed(offer.id, partner.id, None, NOW)
    assert statuses(offer, partner, 2) == ["attributed", "attributed"]
    assert not caps.click_allowed(offer.id, partner.id, None, NOW)
    assert caps.click_allowed(offer.id, partner.id, None, NOW + timedelta(days=1))


def test_click_caps_send_clicks_past_the_limit_to_the_fallback(db, offer):
    partner, other = PartnerFactory(), PartnerFactory()
    CapFactory(offer=offer, metric="clicks", scope="offer_partner", period="day",
               limit_value=D("3"), caps_conversions=False, redirects_clicks=True)
    got = [unit_of_work(caps.count_click, offer.id, partner.id, None, NOW) for _ in range(5)]
    assert got == [True, True, True, False, False]
    assert unit_of_work(caps.count_click, offer.id, other.id, None, NOW) is True
    usage = db.session.scalar(select(CapUsage.used).where(CapUsage.partner_key == partner.id))
    assert usage == 3  # refused clicks are not counted


def test_an_offer_without_caps_allows_every_click(db, offer):
    partner = PartnerFactory()
    assert caps.click_allowed(offer.id, partner.id, None, NOW)
    assert unit_of_work(caps.count_click, offer.id, partner.id, None, NOW)


def test_managers_are_emailed_at_80_and_100_percent_once_each(db, offer, outbox, make_user):
    manager, owner = make_user("manager"), make_user("owner")
    make_user("analyst")
    CapFactory(offer=offer, period="month", limit_value=D("5"))
    partner = PartnerFactory()
    statuses(offer, partner, 3)
    assert outbox.messages() == []
    statuses(offer, partner, 1, start=3)  # 4 of 5: 80 %
    sent = outbox.messages()
    assert sorted(m["To"] for m in sent) == sorted([manager.email, owner.email])
    assert "cap at 80%" in sent[0]["Subject"]
    assert "Used: 4 of 5" in sent[0].get_body(preferencelist=("plain",)).get_content()
    statuses(offer, partner, 3, start=4)  # 5 of 5, then two capped
    sent = outbox.messages()
    assert len(sent) == 4 and sum("cap reached" in m["Subject"] for m in sent) == 2
    assert unit_of_work(cap_alerts.scan, NOW) == 0  # nothing new to say


def test_the_alert_scan_catches_a_lowered_limit(db, offer, outbox, make_user):
    make_user("manager")
    cap = CapFactory(offer=offer, period="month", limit_value=D("10"))
    statuses(offer, PartnerFactory(), 3)
    cap.limit_value = D("3")
    assert unit_of_work(cap_alerts.scan, NOW) == 1
    assert unit_of_work(cap_alerts.scan, NOW) == 0
    assert "cap reached" in outbox.messages()[0]["Subject"]
