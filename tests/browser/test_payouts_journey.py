"""Finance drafts a payout batch, reviews it, leaves one partner out, approves after the
confirmation and settles the batch with one reference; then
looks at the program report and a partner's performance page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from partner_portal.models import DailyStat, PayoutBatch
from partner_portal.models.base import utcnow
from partner_portal.services.program import get_program

from ..factories import CommissionFactory, OfferFactory, PartnerFactory
from ..support import sign_in_page
from .conftest import DESKTOP, PHONE, nav_to, shot

pytestmark = pytest.mark.browser


def _program(db):
    program = get_program()
    program.name, program.min_payout = "Northwind Outdoor", Decimal("50")
    earned = utcnow() - timedelta(days=5)
    offer = OfferFactory(name="Trail shoes")
    partners = []
    for i, (name, amounts) in enumerate([("Ava Walker", ("120.00", "35.50")),
                                         ("Ben Dubois", ("80.00",)),
                                         ("Chloe Moreau", ("64.25",)),
                                         ("Dev Small", ("12.00",))]):
        partner = PartnerFactory(name=name)
        partners.append(partner)
        for amount in amounts:
            CommissionFactory(partner=partner, amount=Decimal(amount), created_at=earned,
                              approved_at=earned)
        for day in range(10):
            db.session.add(DailyStat(day=(utcnow() - timedelta(days=day)).date(), offer_id=offer.id,
                                     partner_id=partner.id, sub1="", clicks=40 - 5 * i + day,
                                     unique_clicks=30, bot_clicks=1, conversions=2 + (day % 3),
                                     revenue=Decimal("180.00"), commission=Decimal("18.00")))
    db.session.commit()
    return partners


@pytest.mark.parametrize("viewport, label", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_finance_reviews_and_approves_a_batch(new_page, make_user, db, viewport, label):
    partners = _program(db)
    finance = make_user("finance")
    page = new_page(viewport)
    sign_in_page(page, finance.email, lands_on="**/admin/")

    nav_to(page, "Payouts")
    page.get_by_label("Cut-off date").fill((utcnow() - timedelta(days=1)).date().isoformat())
    page.get_by_role("button", name="Draft batch").click()
    page.wait_for_url("**/admin/payouts/batches/*")
    assert "Drafted payout batch" in page.locator(".flash").inner_text()
    assert page.locator("#batch-total").inner_text() == "$299.75"
    left_out = page.locator("section", has_text="Not in this batch")
    assert "Dev Small" in left_out.inner_text() and "Below the $50.00 minimum" in left_out.inner_text()
    shot(page, f"payout-batch-review-{label}")

    page.get_by_label("Reason to leave out Ben Dubois").fill("Traffic under review")
    page.locator("tr", has_text="Ben Dubois").get_by_role("button", name="Leave out").click()
    assert page.locator("#batch-total").inner_text() == "$219.75"
    assert "Traffic under review" in page.locator("tr", has_text="Ben Dubois").inner_text()
    page.get_by_role("link", name="Approve batch…").click()
    page.wait_for_url("**/approve")
    assert page.locator("#confirm-count").inner_text() == "2"
    assert page.locator("#confirm-total").inner_text() == "$219.75"
    shot(page, f"payout-batch-approve-confirm-{label}")
    page.get_by_role("button", name="Approve 2 payouts for $219.75").click()
    assert "Batch approved" in page.locator(".flash").inner_text()
    assert page.get_by_role("link", name="PayPal Payouts file (CSV)").is_visible()
    shot(page, f"payout-batch-approved-{label}")

    # Paid in one PayPal batch: sent together, then all ticked and paid with one reference.
    page.get_by_label("Reference", exact=True).fill("PP-BATCH-5521")
    page.get_by_role("button", name="Mark approved payouts sent").click()
    assert "Payouts marked as sent" in page.locator(".flash").inner_text()
    page.get_by_label("Select all 2 open payouts").check()
    assert page.get_by_label("Select the payout to Ava Walker").is_checked()
    assert page.get_by_label("Select the payout to Chloe Moreau").is_checked()
    page.get_by_label("Select the payout to Chloe Moreau").uncheck()
    assert not page.get_by_label("Select all 2 open payouts").is_checked()
    page.get_by_label("Select all 2 open payouts").check()
    page.get_by_label("Payment reference", exact=True).fill("PP-BATCH-5521")
    shot(page, f"payout-batch-settle-form-{label}")
    page.get_by_role("button", name="Mark selected paid").click()
    assert ("2 payouts marked paid ($219.75)" in page.locator(".flash").inner_text())
    assert "Completed" in page.locator("h1").inner_text()
    assert page.locator("tr", has_text="Ava Walker").get_by_text("Paid").is_visible()
    shot(page, f"payout-batch-settled-{label}")

    db.session.rollback()  # end the test's read snapshot; see what the server committed
    batch = db.session.scalar(select(PayoutBatch))
    assert batch.status == "completed"
    assert sorted((p.partner.name, p.status, p.reference) for p in batch.payouts) == [
        ("Ava Walker", "paid", "PP-BATCH-5521"), ("Ben Dubois", "canceled", None),
        ("Chloe Moreau", "paid", "PP-BATCH-5521")]

    nav_to(page, "Reports")
    page.wait_for_url("**/admin/reports")
    assert page.locator("#kpi-clicks .value").inner_text() != "0"
    assert "Ava Walker" in page.locator("#top-partners").inner_text()
    shot(page, f"reports-dashboard-{label}")

    page.goto(f"/admin/partners/{partners[0].id}/performance")
    assert page.locator("h1").inner_text() == "Ava Walker"
    assert page.locator("#kpi-balance .value").inner_text() == "$0.00"
    shot(page, f"partner-performance-{label}")
    assert page.js_errors == []
