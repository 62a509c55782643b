"""The partner dashboard's money: changes said only when they mean something, refunds as
refunds, the latest commissions, and where earnings without clicks came from."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from partner_portal.models.base import utcnow

from ..factories import CouponFactory, EarnedCommissionFactory, OfferFactory
from ..support.conversions import record, refund
from .test_partner_dashboard import kpi


def kpi_html(html: str, name: str) -> str:
    """The markup of one KPI box."""
    start = html.index(f'id="kpi-{name}"')
    ends = [html.find(marker, start + 10) for marker in ('<div class="kpi"', "</section>")]
    return html[start:min(e for e in ends if e > 0)]


def section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    return html[start:html.index("</section>", start)]


@pytest.fixture()
def me(db, login_as):
    partner = login_as("partner").partner
    db.session.commit()
    return partner


def test_no_percentage_on_a_tiny_base_and_nothing_on_zero_both_times(client, db, me):
    now = utcnow()
    EarnedCommissionFactory(partner=me, amount=Decimal("13.27"), status="pending",
                            created_at=now - timedelta(days=40))
    EarnedCommissionFactory(partner=me, amount=Decimal("1471.95"), status="pending",
                            created_at=now - timedelta(days=1))
    db.session.commit()
    html = client.get("/partner/?range=30d").get_data(as_text=True)
    pending = kpi(html, "pending")
    assert pending.startswith("Pending $1,471.95 ▲ $1,458.68 more vs $13.27")
    assert "%" not in pending
    assert 'class="delta good"' in kpi_html(html, "pending")
    # Nothing paid in either period: nothing to compare, so nothing is said.
    assert kpi(html, "paid") == "Paid $0.00"
    assert kpi(html, "clicks") == "Clicks 0"


def test_refunds_are_refunds_never_a_negative_paid(client, db, me):
    offer = OfferFactory(default_commission_kind="percent", default_commission_value="10",
                         hold_days=0)
    long_ago = utcnow() - timedelta(days=45)
    record(offer, "R-1", "300.00", partner_id=me.id, now=long_ago)
    from partner_portal.services.commissions import approve_due

    from ..support.conversions import unit_of_work

    unit_of_work(approve_due, long_ago + timedelta(minutes=1))
    refund(offer, "R-1", now=utcnow() - timedelta(days=1))  # an approved commission refunded
    EarnedCommissionFactory(partner=me, amount=Decimal("5.00"), status="paid",
                            created_at=utcnow() - timedelta(days=2))
    db.session.commit()
    html = client.get("/partner/?range=30d").get_data(as_text=True)
    assert kpi(html, "paid").startswith("Paid $5.00 ")
    refunds = kpi(html, "refunds")
    assert refunds.startswith("Refunds and clawbacks -$30.00 new: none in the previous 30 days")
    assert refunds.endswith("taken off your earnings")
    assert 'class="value negative"' in kpi_html(html, "refunds")
    assert 'class="delta bad"' in kpi_html(html, "refunds")  # new refunds are bad news


def test_more_refunds_than_before_is_bad_news(client, db, me):
    now = utcnow()
    for days, amount in ((40, "-5.00"), (1, "-20.00")):
        EarnedCommissionFactory(partner=me, kind="adjustment", amount=Decimal(amount),
                                status="approved", created_at=now - timedelta(days=days))
    db.session.commit()
    html = client.get("/partner/?range=30d").get_data(as_text=True)
    assert kpi(html, "refunds").startswith("Refunds and clawbacks -$20.00 ▲ up 300.0% vs $5.00")
    assert 'class="delta bad"' in kpi_html(html, "refunds")


def test_latest_commissions_are_commissions_with_their_refunds_labelled(client, db, me):
    offer = OfferFactory(name="Trail Shoes", default_commission_kind="percent",
                         default_commission_value="10")
    start = utcnow() - timedelta(days=3)
    for i in range(3):
        record(offer, f"SALE-{i}", "100.00", partner_id=me.id, now=start + timedelta(hours=i))
    for i in range(3):  # refunds made after every sale: the newest rows of all
        refund(offer, f"SALE-{i}", "50.00", now=start + timedelta(days=1, hours=i))
    html = client.get("/partner/").get_data(as_text=True)
    latest = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section(html, "rc-h")))
    rows = re.findall(r"(\d{4}-\d\d-\d\d) (Trail Shoes|Refund) .*?(-?\$[\d.]+)", latest)
    assert [(what, amount) for _day, what, amount in rows] == [
        ("Trail Shoes", "$10.00"), ("Refund", "-$5.00"),
        ("Trail Shoes", "$10.00"), ("Refund", "-$5.00"),
        ("Trail Shoes", "$10.00"), ("Refund", "-$5.00")]
    assert "Sale SALE-2" in latest and "of the commission above" in latest


def test_earnings_without_clicks_say_where_they_came_from(client, db, me):
    offer = OfferFactory(name="Gear Box", default_commission_kind="percent",
                         default_commission_value="10")
    CouponFactory(partner=me, offer_id=offer.id, code="GEAR10")
    db.session.commit()
    now = utcnow()
    record(offer, "COUPON-1", "100.00", coupon_code="gear10", customer_id="c-1",
           now=now - timedelta(days=40))
    record(offer, "COUPON-1-R1", "100.00", event="renewal", customer_id="c-1",
           now=now - timedelta(days=10))
    record(offer, "COUPON-2", "50.00", coupon_code="GEAR10", now=now - timedelta(days=2))
    html = client.get("/partner/?range=30d").get_data(as_text=True)
    by_offer = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section(html, "offer-h")))
    assert "Gear Box from coupon codes, renewals 0 2" in by_offer
    assert "Earned with no clicks in this period" in by_offer
    by_sub = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section(html, "sub-h")))
    assert "(none) from coupon codes, renewals 0 2" in by_sub

    rows = list(csv.DictReader(io.StringIO(
        client.get("/partner/reports/offer.csv?range=30d").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0]["Offer"] == "Gear Box" and rows[0]["Clicks"] == "0"
    assert rows[0]["Earnings without clicks from"] == "coupon codes; renewals"
