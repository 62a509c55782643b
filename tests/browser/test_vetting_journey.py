"""Vetting in a real browser: a risky applicant is flagged and rejected; a clean one is
approved into a group and sees it when they sign in."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from partner_portal.models import Partner, TermsVersion

from ..factories import GroupFactory, PartnerFactory
from ..support import DEFAULT_PASSWORD, sign_in_page
from .conftest import DESKTOP, PHONE, nav_to, shot

pytestmark = pytest.mark.browser


def apply(page, *, name, email, password, website, payout_email, country="US"):
    page.goto("/apply")
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Repeat the password").fill(password)
    page.get_by_label("Website").fill(website)
    page.get_by_label("Blog or content site").check()
    page.get_by_label("Country").select_option(country)
    page.get_by_label("PayPal / payout email (optional)").fill(payout_email)
    page.get_by_label("I accept the program terms").check()
    page.get_by_role("button", name="Submit application").click()
    page.wait_for_url("**/apply/thanks")


@pytest.mark.parametrize("viewport, label", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_flagged_applicant_is_rejected_and_clean_one_approved(new_page, make_user, db, outbox,
                                                             viewport, label):
    db.session.add(TermsVersion(kind="terms", version=1, title="Program terms", body="Promote us honestly."))
    GroupFactory(name="Standard", is_default=True)
    GroupFactory(name="Content creators", description="Bloggers and YouTubers")
    PartnerFactory(name="Fred Fraud", email="fred@fraud.example", payout_email="cashout@paybox.example",
                   status="banned", status_reason="Cookie stuffing")
    manager = make_user("manager")

    # 1. A disposable address reusing the banned partner's payout account.
    applicant = new_page(viewport)
    apply(applicant, name="Rick Risky", email=f"rick.{label}@mailinator.com", password="a-strong-password",
          website="https://deals-now.example", payout_email="CashOut@paybox.example")

    staff = new_page(viewport)
    sign_in_page(staff, manager.email, DEFAULT_PASSWORD)
    staff.wait_for_url("**/admin/")
    nav_to(staff, "Partners")
    row = staff.locator("tbody tr", has_text="Rick Risky")
    assert "High" in row.inner_text()
    assert "Same payout account as another partner" in row.inner_text()
    assert "Disposable email address" in row.inner_text()
    shot(staff, f"vetting-queue-flagged-{label}")

    row.get_by_role("link", name="Rick Risky").click()
    signals = staff.locator("#risk")
    assert "Fred Fraud (banned)" in signals.inner_text()
    assert "mailinator.com, a disposable email service" in signals.inner_text()
    shot(staff, f"vetting-detail-flagged-{label}")
    staff.locator("details.reject summary").click()
    reject = staff.locator("details.reject")
    reject.get_by_label("Reason (staff only)").fill("Payout account of a banned partner; disposable email.")
    reject.get_by_label("Message to the partner (optional)").fill("We cannot accept this application.")
    reject.get_by_role("button", name="Reject Rick Risky").click()
    assert "Rick Risky is now rejected" in staff.locator(".flash.success").inner_text()
    assert "Rejected" in staff.locator("h1").inner_text()
    shot(staff, f"vetting-detail-rejected-{label}")

    # 2. A clean application, approved into a group; the partner sees it.
    clean_email = f"clara.{label}@clarahikes.example"
    apply(new_page(viewport), name="Clara Clean", email=clean_email, password="another-strong-password",
          website="https://clarahikes.example", payout_email=clean_email)
    staff.goto("/admin/partners")
    row = staff.locator("tbody tr", has_text="Clara Clean")
    assert "Low · 0" in row.inner_text()
    row.get_by_role("link", name="Clara Clean").click()
    assert "No risk signals." in staff.locator("#risk").inner_text()
    staff.locator("details.approve summary").click()
    staff.locator("details.approve").get_by_label("Group").select_option(label="Content creators")
    shot(staff, f"vetting-detail-approve-{label}")
    staff.locator("details.approve").get_by_role("button", name="Approve Clara Clean").click()
    assert "Clara Clean is now approved" in staff.locator(".flash.success").inner_text()

    partner_page = new_page(viewport)
    sign_in_page(partner_page, clean_email, "another-strong-password")
    partner_page.wait_for_url("**/partner/")
    lede = partner_page.locator(".lede").inner_text()
    assert "Approved partner" in lede and "Content creators group" in lede
    shot(partner_page, f"vetting-partner-approved-{label}")

    db.session.rollback()  # drop the read snapshot taken before the browser wrote
    statuses = dict(db.session.execute(select(Partner.name, Partner.status)).all())
    assert statuses["Rick Risky"] == "rejected" and statuses["Clara Clean"] == "approved"
    subjects = [m["Subject"] for m in outbox.messages()]
    assert any(s.endswith("your application") for s in subjects)
    assert any("approved" in s for s in subjects)
    assert applicant.js_errors == [] and staff.js_errors == [] and partner_page.js_errors == []
