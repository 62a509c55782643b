"""A partner's conversions and commissions: what, how computed, filters, paging, CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from partner_portal.services.program import get_program

from ..factories import ConversionFactory, EarnedCommissionFactory, OfferFactory


def rows_of(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.fixture()
def earnings(db, login_as):
    get_program().timezone = "Europe/Berlin"
    me = login_as("partner").partner
    shoes, boxes = OfferFactory(name="Shoes"), OfferFactory(name="Boxes")
    base = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
    EarnedCommissionFactory(partner=me, conversion=ConversionFactory(
        partner=me, offer=shoes, order_id="SO-1", amount=Decimal("120.00")),
        amount=Decimal("12.00"), status="approved", created_at=base,
        explanation="10% of $120.00 under rule VIP-sales, 12 days after click")
    EarnedCommissionFactory(partner=me, conversion=ConversionFactory(
        partner=me, offer=boxes, order_id="BX-1", amount=Decimal("39.00")),
        amount=Decimal("25.00"), status="pending", created_at=base + timedelta(days=1),
        payable_at=base + timedelta(days=15))
    # The order id and explanation come from the program's systems: a spreadsheet must not
    # run them as formulas.
    EarnedCommissionFactory(partner=me, conversion=ConversionFactory(
        partner=me, offer=shoes, order_id="=HYPERLINK(\"http://evil\",\"x\")",
        amount=Decimal("50.00")), amount=Decimal("5.00"), status="rejected",
        status_reason="-cancelled", explanation="@SUM(1+1)", created_at=base + timedelta(days=2))
    db.session.commit()
    return me, shoes, boxes


def test_the_list_shows_what_each_commission_is_for_and_how_it_was_computed(client, earnings):
    html = client.get("/partner/earnings").get_data(as_text=True)
    assert "10% of $120.00 under rule VIP-sales, 12 days after click" in html
    assert "SO-1" in html and "sale $120.00" in html and "$12.00" in html
    assert "payable from 2026-03-25" in html  # in the program's zone
    assert html.index("BX-1") < html.index("SO-1")  # newest first


@pytest.mark.parametrize("query, shown", [
    ("status=approved", {"SO-1"}),
    ("status=pending", {"BX-1"}),
    ("offer={shoes}", {"SO-1", "HYPERLINK"}),
    ("from=2026-03-11&to=2026-03-11", {"BX-1"}),
    ("from=2026-03-11", {"BX-1", "HYPERLINK"}),
    ("kind=bonus", set()),
    ("status=nonsense", {"SO-1", "BX-1", "HYPERLINK"}),  # unknown values are ignored
])
def test_filters_apply_to_the_page_and_the_csv(client, earnings, query, shown):
    _, shoes, _ = earnings
    query = query.format(shoes=shoes.id)
    html = client.get(f"/partner/earnings?{query}").get_data(as_text=True)
    for order in ("SO-1", "BX-1", "HYPERLINK"):
        assert (order in html) == (order in shown), (query, order)
    orders = {r["Order"] for r in rows_of(client.get(f"/partner/earnings.csv?{query}"))}
    assert {o for o in ("SO-1", "BX-1", "HYPERLINK") if any(o in x for x in orders)} == shown


def test_a_badly_written_date_names_the_filter(client, earnings):
    response = client.get("/partner/earnings?from=10/03/2026")
    assert response.status_code == 422
    assert "Enter a date as YYYY-MM-DD." in response.get_data(as_text=True)


def test_the_csv_is_safe_to_open_in_a_spreadsheet(client, earnings):
    response = client.get("/partner/earnings.csv")
    assert response.mimetype == "text/csv"
    rows = rows_of(response)
    evil = next(r for r in rows if "HYPERLINK" in r["Order"])
    assert evil["Order"] == "'=HYPERLINK(\"http://evil\",\"x\")"
    assert evil["How it was computed"] == "'@SUM(1+1)"
    assert evil["Status note"] == "'-cancelled"
    good = next(r for r in rows if r["Order"] == "SO-1")
    assert (good["Commission"], good["Sale amount"], good["Status"], good["Date"]) == \
        ("12.00", "120.00", "approved", "2026-03-10 13:00")


def test_the_list_pages(client, db, earnings):
    me, shoes, _ = earnings
    for i in range(30):
        EarnedCommissionFactory(partner=me, conversion=ConversionFactory(partner=me, offer=shoes,
                                                                   order_id=f"BULK-{i:02d}"))
    db.session.commit()
    first = client.get("/partner/earnings").get_data(as_text=True)
    assert "1–25 of 33" in first and "Page 1 of 2" in first
    second = client.get("/partner/earnings?page=2").get_data(as_text=True)
    assert "26–33 of 33" in second
    assert len(rows_of(client.get("/partner/earnings.csv"))) == 33
