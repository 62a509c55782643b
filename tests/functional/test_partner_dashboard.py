"""The partner dashboard: figures for a range from the rollups, against the period before."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import delete

from partner_portal.models import Click
from partner_portal.models.base import utcnow
from partner_portal.services.program import get_program, program_zone

from ..factories import (
    AnnouncementFactory,
    DailyStatFactory,
    EarnedCommissionFactory,
    OfferFactory,
    PartnerFactory,
)


def text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


def kpi(html: str, name: str) -> str:
    """The words in one KPI box: label, value, comparison."""
    start = html.index(f'id="kpi-{name}"')
    ends = [html.find(marker, start + 10) for marker in ('<div class="kpi"', "<section", "</section>")]
    end = min(e for e in ends if e > 0)
    return text(html[start:end].split(">", 1)[1])


def today():
    return utcnow().astimezone(program_zone()).date()


@pytest.fixture()
def figures(db, login_as):
    """Partner A with activity this week and the week before; partner B with more, which A
    must never see."""
    program = get_program()
    program.timezone = "America/New_York"
    user = login_as("partner")
    me = user.partner
    other = PartnerFactory()
    shoes = OfferFactory(name="Trail Shoes")
    boxes = OfferFactory(name="Gear Box")
    day = today()
    rows = [
        (me, shoes, day, "blog", 100, 80, 5, "500.00", "50.00"),
        (me, boxes, day - timedelta(days=3), "", 50, 40, 1, "100.00", "10.00"),
        (me, shoes, day - timedelta(days=10), "blog", 60, 50, 2, "200.00", "20.00"),
        (me, shoes, day - timedelta(days=40), "", 999, 999, 99, "9999.00", "999.00"),
        (other, shoes, day, "secret-sub", 7000, 6000, 300, "30000.00", "3000.00"),
    ]
    for partner, offer, when, sub1, clicks, unique, conv, revenue, commission in rows:
        DailyStatFactory(partner_id=partner.id, offer_id=offer.id, day=when, sub1=sub1,
                         clicks=clicks, unique_clicks=unique, conversions=conv,
                         revenue=Decimal(revenue), commission=Decimal(commission))
    now = utcnow()
    EarnedCommissionFactory(partner=me, amount=Decimal("12.50"), status="pending", created_at=now)
    EarnedCommissionFactory(partner=me, amount=Decimal("7.50"), status="approved",
                      created_at=now - timedelta(days=2))
    EarnedCommissionFactory(partner=me, amount=Decimal("30.00"), status="approved",
                      created_at=now - timedelta(days=60))
    EarnedCommissionFactory(partner=me, amount=Decimal("5.00"), status="paid",
                      created_at=now - timedelta(days=9))
    EarnedCommissionFactory(partner=other, amount=Decimal("900.00"), status="approved", created_at=now)
    db.session.commit()
    return me, other


def test_kpis_for_the_last_7_days_against_the_7_before(client, figures):
    html = client.get("/partner/?range=7d").get_data(as_text=True)
    assert kpi(html, "clicks") == "Clicks 150 ▲ up 150.0% vs 60"
    assert kpi(html, "unique") == "Unique clicks 120 ▲ up 140.0% vs 50"
    # Too few conversions the week before for a percentage to mean anything.
    assert kpi(html, "conversions") == "Conversions 6 ▲ 4 more vs 2"
    assert kpi(html, "cr") == "Conversion rate 4.00% ▲ 0.67 pts higher vs 3.33%"
    assert kpi(html, "epc") == "EPC $0.40 ▲ up 20.0% vs $0.33 earnings per click"
    assert kpi(html, "revenue") == "Revenue driven $600.00 ▲ up 200.0% vs $200.00"
    assert kpi(html, "earnings") == "Earnings $60.00 ▲ up 200.0% vs $20.00"
    # Commissions created in the period by status; the balance is every approved one.
    assert kpi(html, "pending").startswith("Pending $12.50 new: none in the previous 7 days")
    assert kpi(html, "approved").startswith("Approved $7.50 new: none in the previous 7 days")
    assert kpi(html, "paid").startswith("Paid $0.00 ▼ down 100.0% vs $5.00")
    assert kpi(html, "balance").startswith("Current balance $37.50")


def test_a_partner_sees_nothing_of_another_partners_figures(client, figures):
    html = client.get("/partner/?range=30d").get_data(as_text=True)
    assert "secret-sub" not in html and "7,000" not in html and "$900.00" not in html
    assert kpi(html, "clicks").startswith("Clicks 210 ")


def test_breakdowns_by_offer_sub_id_and_day(client, figures):
    html = client.get("/partner/?range=7d").get_data(as_text=True)
    by_offer = text(html[html.index('id="offer-h"'):html.index('id="sub-h"')])
    # Earnings right after the counts: on a phone they show before the table needs scrolling.
    assert "Offer Clicks Conv. Earnings Rate EPC" in by_offer
    assert "Trail Shoes 100 5 $50.00 5.0% $0.50" in by_offer
    assert "Gear Box 50 1 $10.00 2.0% $0.20" in by_offer
    by_sub = text(html[html.index('id="sub-h"'):html.index('id="by-day"')])
    assert "blog 100 5" in by_sub and "(none) 50 1" in by_sub

    rows = list(csv.reader(io.StringIO(
        client.get("/partner/reports/day.csv?range=7d").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["Day", "Currency", "Clicks", "Unique clicks", "Conversions"]
    assert [r[0] for r in rows[1:]] == sorted(r[0] for r in rows[1:]) and len(rows) == 3
    assert rows[-1][2:5] == ["100", "80", "5"] and rows[-1][6:8] == ["500.00", "50.00"]
    offers = client.get("/partner/reports/offer.csv?range=7d")
    assert offers.mimetype == "text/csv" and "attachment" in offers.headers["Content-Disposition"]
    assert "Trail Shoes,USD,100,80,5,0.0500,500.00,50.00,0.5000" in offers.get_data(as_text=True)
    assert client.get("/partner/reports/clicks.csv").status_code == 404


def test_the_chart_gets_one_point_per_day_of_the_range(client, figures):
    html = client.get("/partner/?range=7d").get_data(as_text=True)
    data = json.loads(re.search(r'id="dashboard-series">(.*?)</script>', html, re.S).group(1))
    assert len(data["labels"]) == 7 and data["labels"][-1] == today().isoformat()
    assert data["clicks"][-1] == 100 and data["clicks"][-4] == 50 and sum(data["clicks"]) == 150
    assert data["earnings"][-1] == "50.00" and data["currency"] == "USD"
    assert 'src="/static/vendor/chartjs/chart.umd.min.js"' in html


@pytest.mark.parametrize("query, label", [
    ("range=today", "Today"),
    ("range=this_month", "This month"),
    ("range=last_month", "Last month"),
    ("range=custom&from=2026-01-01&to=2026-01-31", "2026-01-01 – 2026-01-31"),
])
def test_every_range_in_the_picker(client, figures, query, label):
    response = client.get(f"/partner/?{query}")
    assert response.status_code == 200
    assert f"{label}:" in text(response.get_data(as_text=True))


def test_a_bad_custom_range_says_so_and_shows_the_default(client, figures):
    html = client.get("/partner/?range=custom&from=2026-02-10&to=2026-02-01").get_data(as_text=True)
    assert "The end date is before the start date." in html
    assert "Last 30 days:" in text(html)


def test_the_dashboard_reads_the_rollups_not_the_click_log(client, db, figures):
    """Raw click rows the rollups do not count are not counted, and emptying the click log
    changes nothing: every figure comes from the rollups."""
    me, _ = figures
    offer = OfferFactory()
    for i in range(5):
        db.session.add(Click(token=f"raw-{i}", partner_id=me.id, offer_id=offer.id,
                             created_at=utcnow()))
    db.session.commit()
    before = client.get("/partner/?range=30d").get_data(as_text=True)
    db.session.execute(delete(Click))
    db.session.commit()
    after = client.get("/partner/?range=30d").get_data(as_text=True)
    assert kpi(before, "clicks") == kpi(after, "clicks") == "Clicks 210 ▼ down 79.0% vs 999"


def test_money_in_another_currency_is_kept_apart(client, db, figures):
    me, _ = figures
    euros = OfferFactory(name="Euro Offer", currency="EUR")
    DailyStatFactory(partner_id=me.id, offer_id=euros.id, day=today(), clicks=10,
                     unique_clicks=10, conversions=1, revenue=Decimal("80.00"),
                     commission=Decimal("8.00"))
    db.session.commit()
    html = client.get("/partner/?range=7d").get_data(as_text=True)
    assert kpi(html, "earnings").startswith("Earnings $60.00")  # USD stays USD
    assert "Earnings (EUR)" in html and "€8.00" in html
    assert kpi(html, "clicks").startswith("Clicks 160 ")  # counts add up across currencies


def test_announcements_and_latest_commissions_on_the_dashboard(client, db, figures):
    AnnouncementFactory(title="Double commission weekend", body="Fri–Sun <b>only</b>",
                        published_at=datetime(2026, 1, 2, tzinfo=timezone.utc))
    AnnouncementFactory(title="Archived news", status="archived")
    db.session.commit()
    html = client.get("/partner/").get_data(as_text=True)
    assert "Double commission weekend" in html and "Fri–Sun &lt;b&gt;only&lt;/b&gt;" in html
    assert "Archived news" not in html
    assert "Latest commissions" in html and "$12.50" in html
