"""The partner side as a newcomer finds it: applying in one round, the first dashboard with
its getting-started list, the key figures on a phone's first screen, the money figures, and
a commission under review. Desktop and phone."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from partner_portal.models.base import utcnow
from partner_portal.services import audit, creatives
from partner_portal.services.program import program_zone

from ..factories import (
    AnnouncementFactory,
    DailyStatFactory,
    EarnedCommissionFactory,
    LinkFactory,
    OfferFactory,
    PartnerFactory,
)
from ..support import sign_in_page
from ..support.conversions import click_token, record
from .conftest import DESKTOP, PHONE, SCREENSHOTS, shot

pytestmark = pytest.mark.browser
VIEWPORTS = [(DESKTOP, "desktop"), (PHONE, "phone")]
LONG_NEWS = ("From Friday to Sunday every new subscriber pays double the usual bounty. Use the "
             "new banners in Creatives, and tell your readers before the weekend starts.")


@pytest.mark.parametrize("viewport, label", VIEWPORTS)
def test_apply_reports_every_problem_in_one_round(new_page, db, viewport, label):
    page = new_page(viewport)
    page.goto("/apply")
    for name in ("Full name", "Email", "Password", "Repeat the password", "Country"):
        field = page.get_by_label(name, exact=True)
        assert field.get_attribute("aria-required") == "true"
        assert field.get_attribute("required") is not None
    assert page.locator("label[for=name] + .required-mark").is_visible()
    expect(page.locator("label[for=company] + .required-mark")).to_have_count(0)
    shot(page, f"first-steps-apply-empty-{label}")

    page.get_by_label("Full name").fill("Nina Newcomer")
    page.get_by_label("Email", exact=True).fill("nina-at-blog")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Repeat the password").fill("short")
    page.get_by_label("Company (optional)").fill("Nina Media")
    page.get_by_label("Website (optional)").fill("ftp://nina.example")
    page.get_by_label("Country").select_option("NL")
    page.get_by_role("button", name="Submit application").click()  # no method, no terms

    errors = page.locator(".field .error")
    expect(errors).to_have_count(5)
    assert page.locator("#apply-errors").inner_text().startswith("Please correct the 5 fields")
    for field in ("email", "password", "website", "promotion_methods", "accept_terms"):
        assert page.locator(f"#{field}-error").is_visible()
    assert page.get_by_label("Full name").input_value() == "Nina Newcomer"
    assert page.get_by_label("Company (optional)").input_value() == "Nina Media"
    assert page.get_by_label("Country").input_value() == "NL"
    assert page.get_by_label("Password", exact=True).input_value() == ""
    shot(page, f"first-steps-apply-errors-{label}")
    assert page.js_errors == []


@pytest.mark.parametrize("viewport, label", VIEWPORTS)
def test_a_new_partners_first_dashboard_and_checklist(new_page, db, tmp_path, app, monkeypatch,
                                                       viewport, label):
    monkeypatch.setitem(app.config, "CREATIVES_DIR", tmp_path / "creatives")
    partner = PartnerFactory(name="Nina Newcomer", display_name="Nina N.", payout_method=None,
                             payout_email=None)
    offer = OfferFactory(name="Trail Shoes")
    creatives.create("text_link", offer.id, "Shop the trail", body="Run further: {link}",
                     actor=audit.Actor.system(), now=utcnow())
    db.session.commit()
    page = new_page(viewport)
    sign_in_page(page, partner.email, lands_on="**/partner/")

    assert page.locator("h1").inner_text() == "Welcome to Partner Program, Nina N."
    steps = page.locator(".checklist li")
    expect(steps).to_have_count(3)
    assert "0 of 3 done" in page.locator(".getting-started").inner_text()
    shot(page, f"first-steps-dashboard-new-{label}")

    page.get_by_role("link", name="Get your tracking link").click()
    page.wait_for_url("**/partner/links")
    page.get_by_label("Offer", exact=True).first.select_option(label="Trail Shoes")
    page.get_by_role("button", name="Create link").click()
    page.goto("/partner/")
    assert "1 of 3 done" in page.locator(".getting-started").inner_text()

    page.get_by_role("link", name="Grab a banner").click()
    page.wait_for_url("**/partner/creatives")
    page.get_by_role("link", name="Shop the trail").click()
    page.goto("/partner/")
    assert "2 of 3 done" in page.locator(".getting-started").inner_text()
    shot(page, f"first-steps-dashboard-two-done-{label}")

    page.get_by_role("link", name="Set your payout details").click()
    page.wait_for_url("**/partner/payouts")
    page.get_by_label("Payout method").select_option("paypal")
    page.get_by_label("PayPal email").fill("nina@pay.example")
    page.get_by_role("button", name="Save payout details").click()
    page.goto("/partner/")
    expect(page.locator(".getting-started")).to_have_count(0)
    shot(page, f"first-steps-dashboard-all-done-{label}")
    assert page.js_errors == []


@pytest.mark.parametrize("viewport, label", VIEWPORTS)
def test_key_figures_come_before_the_news_and_money_reads_right(new_page, db, viewport, label):
    partner = PartnerFactory(name="Ava Walker", display_name="Ava W.")
    offer = OfferFactory(name="Trail Shoes")
    LinkFactory(partner=partner, offer=offer)
    today = utcnow().astimezone(program_zone()).date()
    for back in range(60):
        DailyStatFactory(partner_id=partner.id, offer_id=offer.id, day=today - timedelta(days=back),
                         clicks=300 + back, unique_clicks=250, conversions=8 + back % 3,
                         revenue=Decimal("900.00"), commission=Decimal("90.00"))
    now = utcnow()
    EarnedCommissionFactory(partner=partner, amount=Decimal("0.50"), status="pending",
                            created_at=now - timedelta(days=40))
    EarnedCommissionFactory(partner=partner, amount=Decimal("55.46"), status="pending",
                            created_at=now - timedelta(days=1))
    EarnedCommissionFactory(partner=partner, kind="adjustment", amount=Decimal("-12.00"),
                            status="approved", created_at=now - timedelta(days=2))
    for i in range(3):
        AnnouncementFactory(title=f"Double commission weekend {i + 1}", body=LONG_NEWS, pinned=i == 0)
    db.session.commit()
    page = new_page(viewport)
    sign_in_page(page, partner.email, lands_on="**/partner/")

    kpis = page.locator(".grid.kpis").first.bounding_box()
    news = page.locator(".news").bounding_box()
    assert news["y"] >= kpis["y"] + kpis["height"]  # the figures first, then the news
    if label == "phone":
        last = page.locator("#kpi-earnings").bounding_box()
        assert last["y"] + last["height"] <= PHONE["height"]  # every key figure on screen one
    pending = page.locator("#kpi-pending").inner_text()
    assert "more vs $0.50" in pending and "%" not in pending
    refunds = page.locator("#kpi-refunds")
    assert refunds.locator(".value").inner_text() == "-$12.00"
    assert refunds.locator(".delta").get_attribute("class") == "delta bad"
    assert "-" not in page.locator("#kpi-paid .value").inner_text()
    shot(page, f"first-steps-dashboard-{label}")
    page.screenshot(path=str(SCREENSHOTS / f"first-steps-dashboard-{label}-first-screen.png"))
    assert page.js_errors == []


@pytest.mark.parametrize("viewport, label", VIEWPORTS)
def test_a_held_commission_reads_under_review(new_page, db, viewport, label):
    partner = PartnerFactory(name="Ava Walker")
    offer = OfferFactory(name="Trail Shoes", default_commission_kind="percent",
                         default_commission_value="10")
    link = LinkFactory(partner=partner, offer=offer)
    db.session.commit()
    now = utcnow()
    record(offer, "HELD-1", "80.00", now=now,
           click_token=click_token(partner, offer, now - timedelta(seconds=3), link.id))
    page = new_page(viewport)
    sign_in_page(page, partner.email, lands_on="**/partner/")
    page.goto("/partner/earnings")
    row = page.locator("table.earnings tbody tr", has_text="HELD-1")
    assert row.locator(".badge").inner_text() == "Under review"
    assert "checking this conversion" in row.inner_text()
    body = page.locator("main").inner_text()
    assert "under 10" not in body and "Fraud" not in body and "too soon" not in body
    shot(page, f"first-steps-earnings-under-review-{label}")
    page.goto("/partner/")
    assert page.locator("#kpi-review .value").inner_text() == "$8.00"
    assert page.locator("table.latest .badge").first.inner_text() == "Under review"
    assert page.js_errors == []
