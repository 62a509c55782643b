"""A manager sets up an offer, its commission structure and a cap in a real browser, then
asks the simulator what a VIP partner would earn."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from partner_portal.models import CommissionRule, Offer

from ..factories import GroupFactory, PartnerFactory
from ..support import sign_in_page
from .conftest import DESKTOP, PHONE, nav_to, shot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport, label", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_manager_builds_an_offer_and_simulates_a_sale(new_page, make_user, db, viewport, label):
    manager = make_user("manager")
    vip = GroupFactory(name="VIP")
    GroupFactory(name="Standard")
    PartnerFactory(email=f"vip-{label}@example.test", display_name="Vera V.", group=vip)
    db.session.commit()
    vip_id = vip.id
    db.session.rollback()

    page = new_page(viewport)
    sign_in_page(page, manager.email, lands_on="**/admin/")
    nav_to(page, "Offers")
    page.get_by_role("link", name="New offer").click()

    # The offer editor: a bad URL is refused with the field named, what was typed is kept.
    page.get_by_label("Name", exact=True).fill("Summit Backpacks")
    page.get_by_label("Destination URL").fill("javascript:alert(1)")
    page.get_by_label("Allowed deep-link domains").fill("shop.example.com\nblog.example.com")
    page.get_by_label("Cookie window (days)", exact=True).fill("45")
    page.get_by_label("VIP", exact=True).first.check()
    page.get_by_role("button", name="Create offer").click()
    assert "Only http:// and https:// addresses" in page.locator("#destination_url-error").inner_text()
    assert page.get_by_label("Name", exact=True).input_value() == "Summit Backpacks"
    page.get_by_label("Destination URL").fill("https://shop.example.com/packs")
    page.locator(f"#window_{vip_id}").fill("60")
    shot(page, f"offer-editor-{label}")
    page.get_by_role("button", name="Create offer").click()
    page.wait_for_url("**/rules")
    assert "created" in page.locator(".flash").inner_text()

    # The commission structure editor: a VIP volume-tier override.
    page.get_by_role("link", name="Add a group override").click()
    page.get_by_label("Rule name").fill("VIP-tiers")
    page.get_by_label("Kind", exact=True).select_option("tiered")
    assert page.get_by_label("Tiers").is_visible()
    assert not page.get_by_label("Bonus amount").is_visible()  # milestone inputs hidden
    page.get_by_label("Group", exact=True).select_option(str(vip_id))
    page.get_by_label("Tiers").fill("1: 12\n11: 15")
    page.get_by_label("A higher tier pays").select_option("all")
    shot(page, f"rule-editor-{label}")
    page.get_by_role("button", name="Save rule").click()
    page.wait_for_url("**/rules")
    section = page.locator("section", has_text="VIP group override")
    assert "sales 1–10: 12%; 11+: 15%" in section.inner_text()
    shot(page, f"commission-structure-{label}")

    db.session.rollback()  # end the test's read snapshot; see what the server wrote
    offer = db.session.scalar(select(Offer).where(Offer.name == "Summit Backpacks"))
    rule = db.session.scalar(select(CommissionRule).where(CommissionRule.offer_id == offer.id))
    assert (offer.cookie_window_days, rule.scope, rule.group_id) == (45, "group", vip_id)

    # A cap, with its usage bar.
    page.get_by_role("link", name="Caps", exact=True).click()
    page.get_by_label("Counts").select_option("conversions")
    page.get_by_label("Per", exact=True).select_option("month")
    page.get_by_label("Limit").fill("100")
    page.get_by_role("button", name="Add cap").click()
    assert "Monthly conversion cap of 100 on this offer" in page.locator("table").inner_text()
    assert page.get_by_role("meter").first.get_attribute("aria-label") == "Used: 0 of 100"

    # The simulator, reached from the offer.
    page.get_by_role("link", name="Simulator").first.click()
    page.get_by_label("Partner", exact=True).fill(f"vip-{label}@example.test")
    page.get_by_label("Sale amount").fill("120.00")
    page.get_by_label("Days after the click").fill("12")
    assert not page.get_by_label("Months since the first sale").is_visible()  # renewals only
    page.get_by_role("button", name="Work it out").click()
    result = page.locator("section", has_text="What they would earn")
    assert "$14.40" in result.inner_text()
    assert "12% of $120.00 (tier 1, the 1st sale of" in result.inner_text()
    assert "under rule VIP-tiers (VIP group override), 12 days after the click" in result.inner_text()
    shot(page, f"simulator-{label}")
    assert page.js_errors == []
