"""A partner's morning: the dashboard and its chart, a new link with its QR code, a banner
with their link inside, and a message to share. Desktop and phone."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from partner_portal.models.base import utcnow
from partner_portal.services import audit, creatives
from partner_portal.services.demo_partner_side import banner_png
from partner_portal.services.program import program_zone

from ..factories import AnnouncementFactory, DailyStatFactory, OfferFactory, PartnerFactory
from ..support import sign_in_page
from .conftest import DESKTOP, PHONE, shot

pytestmark = pytest.mark.browser


@pytest.fixture()
def program_data(app, db, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "CREATIVES_DIR", tmp_path / "creatives")
    partner = PartnerFactory(name="Ava Walker", display_name="Ava W.")
    offer = OfferFactory(name="Trail Shoes", destination_url="https://shop.example.com/run",
                         allowed_domains="blog.example.com")
    today = utcnow().astimezone(program_zone()).date()
    for back in range(60):
        DailyStatFactory(partner_id=partner.id, offer_id=offer.id, day=today - timedelta(days=back),
                         sub1="blog" if back % 2 else "", clicks=200 + back * 3,
                         unique_clicks=180 + back, conversions=5 + back % 4,
                         revenue=Decimal("400.00"), commission=Decimal("40.00"))
    AnnouncementFactory(title="New spring banners", body="Four sizes, your link inside.",
                        pinned=True)
    creatives.create("banner", offer.id, "Spring 300×250", alt_text="Trail Shoes: shop now",
                     upload=creatives.Upload(banner_png(300, 250, "Trail Shoes", "Shop now",
                                                        ((31, 79, 209), (15, 27, 61))),
                                             tmp_path / "creatives", 2_000_000, 4000),
                     actor=audit.Actor.system(), now=utcnow())
    db.session.commit()
    return partner, offer


@pytest.mark.parametrize("viewport, label", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_a_partners_morning(new_page, program_data, viewport, label):
    partner, offer = program_data
    page = new_page(viewport, permissions=["clipboard-read", "clipboard-write"])
    sign_in_page(page, partner.email, lands_on="**/partner/")

    # The dashboard: figures, the chart drawn by the vendored library, the news.
    assert page.locator("#kpi-clicks .value").inner_text() == "7,305"
    assert page.evaluate("() => !!window.Chart.getChart('dashboard-chart')")
    assert page.locator("#dashboard-chart").bounding_box()["width"] > 300
    assert "New spring banners" in page.locator(".news").inner_text()
    assert page.locator("[data-custom-dates]").first.is_hidden()
    shot(page, f"partner-dashboard-{label}")
    page.get_by_label("Range", exact=True).select_option("custom")
    assert page.locator("[data-custom-dates]").first.is_visible()
    page.get_by_label("From", exact=True).fill((utcnow() - timedelta(days=13)).date().isoformat())
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**range=custom**")
    assert page.locator("#kpi-clicks .value").inner_text() != "7,305"

    # A link with a deep link and a sub-ID, and its QR code.
    page.goto("/partner/links")
    page.get_by_label("Offer", exact=True).first.select_option(label="Trail Shoes")
    page.get_by_label("Deep link (optional)").fill("https://blog.example.com/trail-guide")
    page.get_by_text("Sub-IDs (optional)").click()
    page.get_by_label("Sub-ID 1").fill(f"morning-{label}")
    shot(page, f"partner-links-{label}")
    page.get_by_role("button", name="Create link").click()
    page.wait_for_url("**/partner/links/*")
    url = page.locator("#link-url").input_value()
    assert "/r/" in url
    qr = page.locator("img.qr")
    assert page.evaluate("(img) => img.naturalWidth", qr.element_handle()) > 0
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("() => navigator.clipboard.readText()") == url
    shot(page, f"partner-link-{label}")

    # The banner, with the partner's own link in the snippet.
    page.goto("/partner/creatives")
    banner = page.locator("article.creative").first
    assert page.evaluate("(img) => img.naturalWidth", banner.locator("img").element_handle()) == 300
    assert "/r/" in banner.locator("textarea").input_value()
    shot(page, f"partner-creatives-{label}")

    # Share: the buttons follow the message as it is typed.
    page.goto("/partner/share")
    page.get_by_label("Your message", exact=True).fill("Come run with me")
    href = page.get_by_role("link", name="WhatsApp").get_attribute("href")
    text = parse_qs(urlsplit(href).query)["text"][0]
    assert text.startswith("Come run with me http") and f"ref={partner.ref}" in text
    assert page.get_by_role("button", name="Update the share links").is_hidden()
    shot(page, f"partner-share-{label}")

    page.goto("/partner/milestones")
    assert "10 sales" in page.locator(".badge-cards").inner_text()
    assert page.js_errors == []
