"""A newcomer applies at /apply; an admin signs in and sees the application."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from partner_portal.models import Partner, TermsVersion

from ..support import DEFAULT_PASSWORD
from .conftest import DESKTOP, PHONE, shot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport, label", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_newcomer_applies_and_admin_sees_the_application(new_page, make_user, db, viewport, label):
    db.session.add(TermsVersion(kind="terms", version=1, title="Program terms",
                                body="Promote us honestly."))
    admin = make_user("manager")
    email = f"newcomer-{label}@blog.example"

    page = new_page(viewport)
    page.goto("/apply")
    shot(page, f"apply-empty-{label}")
    page.get_by_label("Full name").fill("Nina Newcomer")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill("a-strong-password")
    page.get_by_label("Repeat the password").fill("a-strong-password")
    page.get_by_label("Website").fill("https://nina.blog.example")
    page.get_by_label("Blog or content site").check()
    page.get_by_label("Country").select_option("NL")
    # Submitting without accepting the terms names the field and keeps what was typed.
    page.get_by_role("button", name="Submit application").click()
    assert page.locator("#accept_terms-error").inner_text().startswith("You must accept")
    assert page.get_by_label("Full name").input_value() == "Nina Newcomer"
    shot(page, f"apply-error-{label}")
    page.get_by_label("Password", exact=True).fill("a-strong-password")
    page.get_by_label("Repeat the password").fill("a-strong-password")
    page.get_by_label("I accept the program terms").check()
    page.get_by_role("button", name="Submit application").click()
    page.wait_for_url("**/apply/thanks")
    assert "your application is in" in page.locator("h1").inner_text()
    shot(page, f"apply-thanks-{label}")

    db.session.expire_all()
    partner = db.session.scalar(select(Partner).where(Partner.email == email))
    assert partner is not None and partner.status == "applied"

    staff = new_page(viewport)
    staff.goto("/login")
    staff.get_by_label("Email").fill(admin.email)
    staff.get_by_label("Password").fill(DEFAULT_PASSWORD)
    staff.get_by_role("button", name="Sign in").click()
    staff.wait_for_url("**/admin/")
    section = staff.locator("section", has_text="Newest applications")
    assert "Nina Newcomer" in section.inner_text()
    assert email in section.inner_text()
    assert staff.locator(".kpi", has_text="Applications to review").locator(".value").inner_text() == "1"
    shot(staff, f"admin-home-{label}")
    assert page.js_errors == [] and staff.js_errors == []
