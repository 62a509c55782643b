"""Program reporting: KPIs, breakdowns and charts from the daily rollups, in the program's
time zone; referred customers' value; a partner's performance page; CSV for every table."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from partner_portal.models import Commission, Conversion, DailyStat
from partner_portal.models.base import utcnow
from partner_portal.services import customer_value, ranges, reporting
from partner_portal.services.program import get_program

from ..factories import GroupFactory, OfferFactory, PartnerFactory

ZONE = ZoneInfo("America/New_York")


def local_today() -> date:
    return utcnow().astimezone(ZONE).date()


@pytest.fixture()
def program_data(db):
    program = get_program()
    program.timezone, program.currency = "America/New_York", "USD"
    vip = GroupFactory(name="VIP")
    star = PartnerFactory(name="Stella Star", group=vip)
    plain = PartnerFactory(name="Paul Plain")
    shoes = OfferFactory(name="Shoes")
    euro = OfferFactory(name="Euro thing", currency="EUR")
    today = local_today()

    def stat(days_ago, partner, offer, clicks, conversions, revenue, commission, sub1=""):
        db.session.add(DailyStat(day=today - timedelta(days=days_ago), offer_id=offer.id,
                                 partner_id=partner.id, sub1=sub1, clicks=clicks,
                                 unique_clicks=clicks - 1, bot_clicks=2, conversions=conversions,
                                 revenue=Decimal(revenue), commission=Decimal(commission)))

    stat(0, star, shoes, 100, 5, "500.00", "50.00", "newsletter")
    stat(1, star, shoes, 50, 2, "200.00", "20.00")
    stat(3, plain, shoes, 50, 1, "100.00", "10.00")
    stat(40, plain, shoes, 999, 99, "9999.00", "999.00")   # outside the last 30 days
    stat(0, plain, euro, 70, 7, "700.00", "70.00")        # another currency
    db.session.add(Commission(partner_id=plain.id, offer_id=shoes.id, amount=Decimal("8.00"),
                              currency="USD", status="pending", explanation="x"))
    star.approved_at = utcnow() - timedelta(days=2)
    plain.approved_at = utcnow() - timedelta(days=200)
    db.session.commit()
    return star, plain, shoes


def test_kpis_come_from_the_rollups_for_the_chosen_range(db, program_data):
    star, plain, _ = program_data
    period = ranges.resolve("30d", None, None, today=local_today(), zone=ZONE)
    k = reporting.kpis(period, "USD")
    assert (k.clicks, k.conversions) == (200, 8)
    assert (k.revenue, k.commission) == (Decimal("800.00"), Decimal("80.00"))
    assert k.conversion_rate == Decimal("0.04") and k.cpa == Decimal("10")
    assert k.roas == Decimal("10") and k.epc == Decimal("0.4")
    assert (k.active_partners, k.new_partners) == (2, 1)
    assert (k.pending_commissions, k.pending_amount) == (1, Decimal("8.00"))
    today = ranges.resolve("today", None, None, today=local_today(), zone=ZONE)
    assert reporting.kpis(today, "USD").clicks == 100
    assert reporting.kpis(today, "EUR").clicks == 70
    assert reporting.kpis(period, "USD", partner_id=star.id).conversions == 7


def test_breakdowns_and_daily_series(db, program_data):
    star, plain, shoes = program_data
    period = ranges.resolve("7d", None, None, today=local_today(), zone=ZONE)
    assert [(r.label, r.commission) for r in reporting.top_partners(period, "USD")] == [
        ("Stella Star", Decimal("70.00")), ("Paul Plain", Decimal("10.00"))]
    assert [(r.label, r.clicks) for r in reporting.by_group(period, "USD")] == [
        ("VIP", 150), ("No group", 50)]
    days = reporting.daily(period, "USD")
    assert len(days) == 7 and days[-1].clicks == 100 and days[-2].clicks == 50
    assert sum(d.clicks for d in days) == 200
    assert [(r.label, r.clicks) for r in reporting.by_sub1(period, "USD", star.id)] == [
        ("newsletter", 100), ("(none)", 50)]


def test_dashboard_page_and_csv_for_every_table(client, login_as, program_data):
    login_as("analyst")
    page = client.get("/admin/reports").get_data(as_text=True)
    assert 'id="kpi-clicks"' in page and ">200<" in page
    assert "$800.00" in page and "$80.00" in page and "10.00×" in page and "4.00%" in page
    assert "Stella Star" in page and "<svg class=\"trend-chart\"" in page
    for table, first in (("daily", "day"), ("partners", "partner"), ("offers", "offer"),
                         ("groups", "group")):
        response = client.get(f"/admin/reports?format=csv&table={table}&range=30d")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        assert rows and first in rows[0]
        assert sum(int(r["clicks"]) for r in rows) == 200
        assert sum(Decimal(r["commission"]) for r in rows) == Decimal("80.00")
    body = client.get("/admin/reports?format=csv-kpis").get_data(as_text=True)
    kpis = dict(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert kpis["roas"] == "10.0000" and kpis["commission_cost"] == "80.00"
    assert client.get("/admin/reports?format=csv&table=nope").status_code == 404


def test_custom_range_and_a_bad_one(client, login_as, program_data):
    login_as("manager")
    start = (local_today() - timedelta(days=45)).isoformat()
    end = (local_today() - timedelta(days=35)).isoformat()
    page = client.get(f"/admin/reports?range=custom&start={start}&end={end}").get_data(as_text=True)
    assert ">999<" in page and "$999.00" in page
    page = client.get(f"/admin/reports?range=custom&start={end}&end={start}").get_data(as_text=True)
    assert "The end date is before the start date." in page
    assert ">200<" in page  # fell back to the last 30 days
    eur = client.get("/admin/reports?currency=EUR").get_data(as_text=True)
    assert "€700.00" in eur and ">70<" in eur


@pytest.mark.parametrize("key, days", [("today", 1), ("7d", 7), ("30d", 30)])
def test_presets_are_whole_local_days(key, days):
    period = ranges.resolve(key, None, None, today=date(2026, 3, 8), zone=ZONE)
    assert len(period.days) == days and period.end == date(2026, 3, 8)
    start, end = period.utc_bounds()
    assert end.astimezone(timezone.utc) == datetime(2026, 3, 9, 4, 0, tzinfo=timezone.utc)


def test_month_presets():
    last = ranges.resolve("last_month", None, None, today=date(2026, 3, 8), zone=ZONE)
    assert (last.start, last.end) == (date(2026, 2, 1), date(2026, 2, 28))
    this = ranges.resolve("this_month", None, None, today=date(2026, 3, 8), zone=ZONE)
    assert (this.start, this.end) == (date(2026, 3, 1), date(2026, 3, 8))


def _buy(offer, partner, customer, at, amount, event="sale", refunded="0"):
    return Conversion(offer_id=offer.id, order_id=f"o-{customer}-{at.isoformat()}",
                      partner_id=partner.id if partner else None, event=event,
                      amount=Decimal(amount), refunded_amount=Decimal(refunded), currency="USD",
                      customer_id=customer, occurred_at=at, created_at=at,
                      status="attributed" if partner else "unattributed")


def test_referred_customers_value_and_retention(client, login_as, db, program_data):
    star, plain, shoes = program_data
    now = utcnow()
    month = timedelta(days=31)
    db.session.add_all([
        _buy(shoes, star, "c1", now - 2 * month, "100"),
        _buy(shoes, star, "c1", now - month, "30", "renewal"),
        _buy(shoes, star, "c1", now, "30", "renewal"),
        _buy(shoes, star, "c2", now - 2 * month, "50", refunded="10"),
        _buy(shoes, plain, "c3", now - month, "80"),
        _buy(shoes, star, "c3", now, "20", "renewal"),         # c3 stays Paul's customer
        _buy(shoes, plain, "old", now - 500 * timedelta(days=1), "5"),
        _buy(shoes, plain, "old", now, "5"),                     # first bought long ago: left out
    ])
    db.session.commit()
    value = customer_value.referred_value(currency="USD", now=now, months=12)
    by_name = {v.name: v for v in value.partners}
    assert (by_name["Stella Star"].customers, by_name["Stella Star"].orders) == (2, 4)
    assert by_name["Stella Star"].renewals == 2
    assert by_name["Stella Star"].revenue == Decimal("200")
    assert (by_name["Paul Plain"].customers, by_name["Paul Plain"].revenue) == (1, Decimal("100"))
    first = value.cohorts[0]
    assert first.customers == 2 and first.active[:3] == [2, 1, 1]
    assert first.retention(1) == Decimal("0.5")

    login_as("analyst")
    page = client.get("/admin/reports/customers").get_data(as_text=True)
    assert "Stella Star" in page and "$200.00" in page and "50%" in page
    rows = list(csv.DictReader(io.StringIO(client.get(
        "/admin/reports/customers?format=csv&table=partners").get_data(as_text=True).lstrip("\ufeff"))))
    assert {r["partner"]: r["lifetime_revenue"] for r in rows} == {"Stella Star": "200.00",
                                                                  "Paul Plain": "100.00"}
    cohorts = client.get("/admin/reports/customers?format=csv&table=cohorts").get_data(as_text=True).lstrip("\ufeff")
    assert cohorts.splitlines()[0].startswith("first_purchase_month,customers,month_0")


def test_partner_performance_page(client, login_as, program_data, db):
    star, _, _ = program_data
    login_as("analyst")
    page = client.get(f"/admin/partners/{star.id}/performance?range=7d").get_data(as_text=True)
    assert "Stella Star" in page and ">150<" in page and "$70.00" in page
    assert "newsletter" in page and "Ledger and payouts" in page
    rows = list(csv.DictReader(io.StringIO(client.get(
        f"/admin/partners/{star.id}/performance?format=csv&table=sub1&range=7d").get_data(as_text=True).lstrip("\ufeff"))))
    assert {r["sub1"]: int(r["clicks"]) for r in rows} == {"newsletter": 100, "(none)": 50}
    assert client.get(f"/admin/partners/{star.id}/performance?format=csv&table=x").status_code == 404


def test_reports_compare_with_the_previous_period_as_the_partner_dashboard(client, login_as,
                                                                            program_data):
    """The 30 days before the last 30 hold one busy day (40 days ago): every period figure
    and every chart says how this period compares with it."""
    star, plain, _ = program_data
    login_as("analyst")
    page = client.get("/admin/reports").get_data(as_text=True)
    assert "compared with the 30 days before" in page
    assert '<span class="visually-hidden">down</span> 80.0% vs 999</span>' in page  # 200 vs 999
    assert "92.0% vs $9,999.00" in page  # revenue, $800.00 against $9,999.00
    assert 'aria-label="Clicks per day: 200 in this period, 999 in the previous one."' in page
    assert 'aria-label="Revenue per day (USD): $800.00 in this period, $9,999.00 in the previous one."' in page
    assert page.count('<figure class="trend">') == 4
    # A partner's page compares the same way; a partner with nothing before says "new".
    page = client.get(f"/admin/partners/{star.id}/performance").get_data(as_text=True)
    assert "new: none in the previous 30 days" in page
    page = client.get(f"/admin/partners/{plain.id}/performance").get_data(as_text=True)
    assert "vs 999" in page and page.count('<figure class="trend">') == 4
