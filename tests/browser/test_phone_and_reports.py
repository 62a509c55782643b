"""On a 390 px phone every destination is reachable (a Menu on both sides, and without
script every item shows); wide report tables say they scroll and can be scrolled from the
keyboard; the dashboard's news stays short; the report charts are readable and compare with
the previous period. Screenshots: ``phone-<page>-<width>.png``."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from partner_portal.models import DailyStat
from partner_portal.models.base import utcnow
from partner_portal.services.program import get_program

from ..factories import AnnouncementFactory, OfferFactory, PartnerFactory
from ..support import sign_in_page
from .conftest import DESKTOP, PHONE, shot

pytestmark = pytest.mark.browser

VIEWPORTS = pytest.mark.parametrize("viewport, label", [(DESKTOP, "desktop"), (PHONE, "phone")])
LONG_NEWS = ("Every sale from Friday to Sunday earns double the usual commission. Share your "
             "links in newsletters and posts before the weekend; the bonus is added when the "
             "sales are approved, and shows on your Earnings page as a separate line. " * 3)
ADMIN_NAV = ["Overview", "Partners", "Offers", "Creatives", "Commissions", "Reports", "Payouts",
             "Statements", "Fraud"]
ADMIN_PROGRAM_MENU = ["Announcements", "Groups", "Audit log", "API keys", "Scheduled jobs"]
PARTNER_NAV = ["Dashboard", "Earnings", "Links", "Creatives", "Share", "Milestones", "Offers",
               "Payouts", "Statements", "Account"]


def _program(db):
    """Four partners with 60 days of traffic: this period busier than the one before."""
    get_program().name = "Northwind Outdoor"
    offer = OfferFactory(name="Trail shoes")
    today = utcnow().date()
    partners = []
    for i, name in enumerate(["Ava Walker", "Ben Dubois", "Chloe Moreau", "Dev Small"]):
        partner = PartnerFactory(name=name, display_name=name.split()[0])
        partners.append(partner)
        for back in range(60):
            recent = back < 30
            db.session.add(DailyStat(
                day=today - timedelta(days=back), offer_id=offer.id, partner_id=partner.id,
                sub1="", clicks=(60 if recent else 40) - 5 * i + back % 7, unique_clicks=30,
                bot_clicks=1, conversions=(3 if recent else 2) + back % 3,
                revenue=Decimal("240.00" if recent else "150.00"),
                commission=Decimal("24.00" if recent else "15.00")))
    db.session.commit()
    return partners


def _within_screen(page, locator):
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


def _every_destination_reachable(page, names, label, menu=None):
    nav = page.get_by_role("navigation", name="Main")
    toggle = page.get_by_role("button", name="Menu")
    if label == "phone":
        expect(toggle).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(nav.get_by_role("link", name=names[-1], exact=True)).to_be_hidden()
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
    else:
        expect(toggle).to_be_hidden()
    for name in names:
        link = nav.get_by_role("link", name=name, exact=True)
        expect(link).to_be_visible()
        assert _within_screen(page, link), f"{name} is off-screen at {label} width"
    expect(page.locator(".user-menu").get_by_role("button", name="Sign out")).to_be_visible()
    if menu:
        nav.get_by_text("Program", exact=True).click()
        for name in menu:
            link = nav.get_by_role("link", name=name, exact=True)
            expect(link).to_be_visible()
            assert _within_screen(page, link), f"{name} is off-screen at {label} width"


@VIEWPORTS
def test_every_admin_destination_is_reachable(new_page, make_user, db, viewport, label):
    _program(db)
    manager = make_user("owner")
    page = new_page(viewport)
    sign_in_page(page, manager.email, lands_on="**/admin/")
    _every_destination_reachable(page, ADMIN_NAV, label, ADMIN_PROGRAM_MENU)
    shot(page, f"phone-admin-menu-{label}")
    if label == "phone":
        page.keyboard.press("Escape")
        expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "false")
        expect(page.get_by_role("button", name="Menu")).to_be_focused()
        page.get_by_role("button", name="Menu").press("Enter")  # the keyboard opens it too
        expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "true")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
        page.wait_for_url("**/admin/reports")
        expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "false")
    assert page.js_errors == []


@VIEWPORTS
def test_every_partner_destination_is_reachable_and_news_stays_short(new_page, db, viewport,
                                                                       label):
    partner = _program(db)[0]
    for i in range(3):
        AnnouncementFactory(title=f"Double commission weekend {i + 1}", body=LONG_NEWS,
                            pinned=i == 0)
    db.session.commit()
    page = new_page(viewport)
    sign_in_page(page, partner.email, lands_on="**/partner/")
    first = page.locator("#kpi-clicks").bounding_box()
    assert first["y"] + first["height"] <= viewport["height"]  # figures on the first screen
    news = page.locator(".news")
    if label == "phone":
        assert news.bounding_box()["height"] < 420, "the news pushes the page down"
        expect(news.locator(".announcement-body").nth(1)).to_be_hidden()
    # Money in sight without scrolling a table: earnings right after the counts.
    by_offer = page.get_by_role("group", name="Figures by offer")
    assert _within_screen(page, by_offer.get_by_role("columnheader", name="Earnings"))
    assert _within_screen(page, by_offer.get_by_role("cell", name="$720.00"))
    news.get_by_role("link", name="Double commission weekend 2").click()
    page.wait_for_url("**/partner/announcements#a-*")
    expect(page.locator(".announcement-body").nth(1)).to_be_visible()
    page.goto("/partner/")
    shot(page, f"phone-partner-dashboard-{label}")
    _every_destination_reachable(page, PARTNER_NAV, label)
    shot(page, f"phone-partner-menu-{label}")
    assert page.js_errors == []


def test_without_script_every_destination_shows_on_a_phone(new_page, make_user, db):
    _program(db)
    manager = make_user("owner")
    page = new_page(PHONE, java_script_enabled=False)
    sign_in_page(page, manager.email, lands_on="**/admin/")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    nav = page.get_by_role("navigation", name="Main")
    for name in ADMIN_NAV:
        link = nav.get_by_role("link", name=name, exact=True)
        expect(link).to_be_visible()
        assert _within_screen(page, link), f"{name} is off-screen without script"
    shot(page, "phone-admin-no-script-phone")


@VIEWPORTS
def test_report_charts_compare_with_the_previous_period_and_read(new_page, make_user, db,
                                                                 viewport, label):
    partners = _program(db)
    page = new_page(viewport)
    sign_in_page(page, make_user("manager").email, lands_on="**/admin/")
    page.goto("/admin/reports")
    expect(page.locator(".lede")).to_contain_text("compared with the 30 days before")
    clicks = page.locator("#kpi-clicks")
    expect(clicks.locator(".delta")).to_contain_text("vs ")
    assert "good" in clicks.locator(".delta").get_attribute("class")  # busier than before
    charts = page.locator("figure.trend")
    expect(charts).to_have_count(4)
    expect(page.locator(".trend-legend")).to_contain_text("Line: the previous period, ")
    revenue = charts.nth(2)
    expect(revenue.locator("figcaption")).to_contain_text("Revenue per day (USD)")
    expect(revenue.locator("figcaption")).to_contain_text("$28,800.00")  # 4 × 30 × $240
    expect(revenue.locator(".delta")).to_contain_text("60.0% vs $18,000.00")
    # Readable: axis text at 12 CSS px whatever the width, charts at least 300 px wide.
    for chart in (charts.nth(0), revenue):
        box, plot = chart.bounding_box(), chart.locator("svg").bounding_box()
        assert box["width"] >= 330 and plot["width"] >= 260 and plot["height"] >= 200
        for text in chart.locator("text").all():
            assert text.evaluate("t => parseFloat(getComputedStyle(t).fontSize)") >= 12
        dates = chart.locator("text.date").all_text_contents()
        assert len(dates) >= 4 and all(d[:3].isalpha() for d in dates)
        ticks = chart.locator("text.tick").all_text_contents()
        assert ticks[0] in ("0", "$0") and len(ticks) >= 3
    assert revenue.locator("text.tick").last.text_content().startswith("$")
    # The top-partners table: money columns reachable, and it says so on a phone.
    table = page.get_by_role("group", name="Top partners")
    assert table.get_attribute("tabindex") == "0"
    cue = page.locator("#top-partners").locator("xpath=../following-sibling::p[1]")
    for money in ("Revenue", "Commission"):  # money first, in sight on a phone too
        assert _within_screen(page, page.locator("#top-partners thead th", has_text=money))
    if label == "phone":
        expect(cue).to_have_text("Scroll sideways for more →")
        assert not _within_screen(page, page.locator("#top-partners th", has_text="EPC"))
        table.focus()
        page.keyboard.press("End")
        table.evaluate("t => t.scrollTo(t.scrollWidth, 0)")
        expect(cue).to_be_hidden()
        expect(page.locator("#top-partners tbody th").first).to_be_visible()  # the name stays
    else:
        expect(cue).to_be_hidden()
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, f"phone-reports-{label}")
    page.goto(f"/admin/partners/{partners[0].id}/performance")
    expect(page.locator("figure.trend")).to_have_count(4)
    expect(page.locator(".lede")).to_contain_text("compared with the 30 days before")
    expect(page.locator("#kpi-commission .delta")).to_contain_text("vs $450.00")  # 30 × $15
    shot(page, f"phone-partner-performance-{label}")
    assert page.js_errors == []
