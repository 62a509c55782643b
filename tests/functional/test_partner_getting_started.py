"""A first-time partner is greeted as new and walks a getting-started list, each step ticked
from what they really did; the list goes once every step is done."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from partner_portal.models.base import utcnow
from partner_portal.services import audit, creatives

from ..factories import DailyStatFactory, EarnedCommissionFactory, LinkFactory, OfferFactory


def checklist(html: str) -> list[tuple[str, str, str]] | None:
    """(step, where it links, done or to do) for each step shown, or None without a list."""
    if 'id="start-h"' not in html:
        return None
    block = html[html.index('id="start-h"'):]
    block = block[:block.index("</section>")]
    return re.findall(r'<a href="([^"]+)">([^<]+)</a> <span class="visually-hidden">\((done|to do)\)', block)


def heading(html: str) -> str:
    return re.sub(r"\s+", " ", re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)).strip()


@pytest.fixture()
def newcomer(db, login_as):
    partner = login_as("partner", payout_method=None, payout_email=None).partner
    partner.display_name = "Nina N."
    offer = OfferFactory(name="Trail Shoes")
    text_link = creatives.create("text_link", offer.id, "Shop the trail",
                                 body="Run further: {link}", actor=audit.Actor.system(),
                                 now=utcnow())
    db.session.commit()
    return partner, offer, text_link


def test_a_first_time_partner_is_welcomed_and_walks_the_checklist(client, db, newcomer):
    partner, offer, text_link = newcomer
    html = client.get("/partner/").get_data(as_text=True)
    assert heading(html) == "Welcome to Partner Program, Nina N."
    assert "Welcome back" not in html
    assert checklist(html) == [("/partner/links", "Get your tracking link", "to do"),
                               ("/partner/creatives", "Grab a banner", "to do"),
                               ("/partner/payouts", "Set your payout details", "to do")]
    assert "0 of 3 done" in html

    # Each step, done where the list links to, ticks it.
    assert client.post("/partner/links", data={"offer_id": str(offer.id)}).status_code == 302
    html = client.get("/partner/").get_data(as_text=True)
    assert [done for *_, done in checklist(html)] == ["done", "to do", "to do"]
    assert "1 of 3 done" in html

    assert client.get(f"/partner/creatives/{text_link.id}").status_code == 200
    assert [done for *_, done in checklist(client.get("/partner/").get_data(as_text=True))] == [
        "done", "done", "to do"]

    saved = client.post("/partner/payouts", data={"method": "paypal",
                                                  "paypal_email": "nina@pay.example"})
    assert saved.status_code == 302
    html = client.get("/partner/").get_data(as_text=True)
    assert checklist(html) is None  # all done: the list is gone
    assert heading(html) == "Welcome to Partner Program, Nina N."  # nothing earned yet


def test_browsing_the_creatives_list_alone_does_not_tick_the_banner_step(client, db, newcomer):
    client.get("/partner/creatives")
    html = client.get("/partner/").get_data(as_text=True)
    assert checklist(html)[1] == ("/partner/creatives", "Grab a banner", "to do")


def test_a_partner_with_traffic_is_welcomed_back_without_a_checklist(client, db, login_as):
    partner = login_as("partner").partner
    offer = OfferFactory()
    LinkFactory(partner=partner, offer=offer)
    DailyStatFactory(partner_id=partner.id, offer_id=offer.id,
                     day=(utcnow() - timedelta(days=3)).date(), clicks=40, unique_clicks=35)
    EarnedCommissionFactory(partner=partner, amount=Decimal("4.00"))
    db.session.commit()
    html = client.get("/partner/").get_data(as_text=True)
    assert heading(html) == f"Welcome back, {partner.public_name}"
    assert checklist(html) is None


def test_a_partner_who_still_lacks_payout_details_is_reminded(client, db, login_as):
    partner = login_as("partner", payout_method=None, payout_email=None).partner
    offer = OfferFactory()
    LinkFactory(partner=partner, offer=offer)
    DailyStatFactory(partner_id=partner.id, offer_id=offer.id, day=utcnow().date(), clicks=5)
    db.session.commit()
    html = client.get("/partner/").get_data(as_text=True)
    assert heading(html).startswith("Welcome back")
    assert "Finish setting up" in html
    assert [done for *_, done in checklist(html)] == ["done", "done", "to do"]
