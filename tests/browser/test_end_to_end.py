"""Four journeys end to end, in real Chromium against the live server, at desktop and at
phone width:

1. a newcomer applies, a manager weighs the risk signals and approves, the new partner
   signs in, builds a tracking link and copies a banner snippet;
2. a visitor follows a partner's link to the shop, the shop reports the sale through the
   conversion API with the click id it was handed, and the partner's dashboard shows both;
3. the month closes, ``flask statements generate --email`` mails the PDF to a real SMTP
   server, and the partner downloads the very same file from their Statements page;
4. finance drafts, approves, exports and pays a payout batch, and the partner sees it.

Screenshots of every step go to tests/browser/screenshots/ as ``e2e-<journey>-<step>-<width>.png``.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import urllib.request
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from partner_portal.jobs.clicks import drain
from partner_portal.models import Partner, TermsVersion, TrackingLink
from partner_portal.models.base import utcnow
from partner_portal.services import api_keys, audit, creatives, link_builder
from partner_portal.services.demo_partner_side import banner_png
from partner_portal.services.fraud import screening
from partner_portal.services.program import get_program

from ..factories import CommissionFactory, GroupFactory, OfferFactory, PartnerFactory
from ..support import sign_in_page
from ..support import statements as statement_helpers
from .conftest import DESKTOP, PHONE, SCREENSHOTS, nav_to, shot

pytestmark = pytest.mark.browser

VIEWPORTS = pytest.mark.parametrize("viewport, label", [(DESKTOP, "desktop"), (PHONE, "phone")])
VISITOR_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/131.0.0.0 Safari/537.36")
SYSTEM = audit.Actor.system("test setup")
KEEPER = Path(__file__).resolve().parents[2] / "static" / "js" / "click-id.js"
LANDING = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Northwind shop</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<script src="/js/click-id.js" data-days="30"></script></head>
<body><h1>Trail Shoes</h1><p>Light, grippy, ready for the mountains.</p>
<p id="saved"></p>
<script>
  document.getElementById("saved").textContent =
    PartnerPortal.clickId() ? "Referral noted for checkout." : "No referral.";
</script></body></html>"""


def no_script_errors(*pages):
    for page in pages:
        assert page.js_errors == [], page.js_errors


@pytest.fixture()
def shop():
    """The program's own shop on loopback (no internet needed): a landing page that carries
    the click-id keeper from static/js/click-id.js, as docs/integration.md tells programs."""
    keeper = KEEPER.read_bytes()

    class Shop(BaseHTTPRequestHandler):
        def do_GET(self):
            path = urlsplit(self.path).path
            pages = {"/landing": (LANDING, "text/html; charset=utf-8"),
                     "/js/click-id.js": (keeper, "text/javascript")}
            body, kind = pages.get(path, (b"not found", "text/plain"))
            self.send_response(200 if path in pages else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Shop)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=5)


# --- 1. apply → vetting → first link → banner snippet -------------------------------------

@pytest.fixture()
def open_program(app, db, tmp_path, monkeypatch, live_server):
    monkeypatch.setitem(app.config, "CREATIVES_DIR", tmp_path / "creatives")
    monkeypatch.setitem(app.config, "BASE_URL", live_server.url)
    get_program().name = "Northwind Outdoor"
    db.session.add(TermsVersion(kind="terms", version=1, title="Program terms",
                                body="Promote us honestly."))
    GroupFactory(name="Standard", is_default=True)
    # An existing partner with the same website: one of the applicant's risk signals.
    PartnerFactory(name="Tom Trails", website="https://trailnotes.example/about")
    offer = OfferFactory(name="Trail Shoes", destination_url="https://shop.example.com/run")
    creatives.create("banner", offer.id, "Spring 300×250", alt_text="Trail Shoes: shop now",
                     upload=creatives.Upload(banner_png(300, 250, "Trail Shoes", "Shop now",
                                                        ((31, 79, 209), (15, 27, 61))),
                                             tmp_path / "creatives", 2_000_000, 4000),
                     actor=SYSTEM, now=utcnow())
    db.session.commit()
    return offer


@VIEWPORTS
def test_journey_1_newcomer_is_vetted_and_copies_a_banner(new_page, make_user, db, open_program,
                                                          live_server, outbox, viewport, label):
    manager = make_user("manager")
    email, password = f"nina.{label}@nina-writes.example", "trail-notes-password"

    # The newcomer applies.
    applicant = new_page(viewport)
    applicant.goto("/apply")
    applicant.get_by_label("Full name").fill("Nina Newcomer")
    applicant.get_by_label("Email", exact=True).fill(email)
    applicant.get_by_label("Password", exact=True).fill(password)
    applicant.get_by_label("Repeat the password").fill(password)
    applicant.get_by_label("Website").fill("https://trailnotes.example")
    applicant.get_by_label("Blog or content site").check()
    applicant.get_by_label("Country").select_option("NL")
    applicant.get_by_label("I accept the program terms").check()
    shot(applicant, f"e2e-1-apply-form-{label}")
    applicant.get_by_role("button", name="Submit application").click()
    applicant.wait_for_url("**/apply/thanks")
    assert "your application is in" in applicant.locator("h1").inner_text()
    shot(applicant, f"e2e-1-apply-thanks-{label}")

    # A manager sees the risk signals with their evidence, and approves.
    staff = new_page(viewport)
    sign_in_page(staff, manager.email, lands_on="**/admin/")
    nav_to(staff, "Partners")
    row = staff.locator("tbody tr", has_text="Nina Newcomer")
    assert "Same website as another partner" in row.inner_text()
    assert "Email domain unrelated to the website" in row.inner_text()
    shot(staff, f"e2e-1-queue-{label}")
    row.get_by_role("link", name="Nina Newcomer").click()
    risk = staff.locator("#risk").inner_text()
    assert "Tom Trails" in risk
    assert "Email domain nina-writes.example does not match the website trailnotes.example" in risk
    shot(staff, f"e2e-1-application-risk-{label}")
    staff.locator("details.approve summary").click()
    staff.locator("details.approve").get_by_role("button", name="Approve Nina Newcomer").click()
    assert "Nina Newcomer is now approved" in staff.locator(".flash.success").inner_text()
    shot(staff, f"e2e-1-approved-{label}")

    # The partner signs in with the password chosen at /apply.
    partner = new_page(viewport, permissions=["clipboard-read", "clipboard-write"])
    sign_in_page(partner, email, password, lands_on="**/partner/")
    lede = partner.locator(".lede").inner_text()
    assert "Approved partner" in lede and "Standard group" in lede
    shot(partner, f"e2e-1-partner-welcome-{label}")

    # A tracking link from the link builder, copied.
    partner.goto("/partner/links")
    partner.get_by_label("Offer", exact=True).first.select_option(label="Trail Shoes")
    partner.get_by_role("button", name="Create link").click()
    partner.wait_for_url("**/partner/links/*")
    url = partner.locator("#link-url").input_value()
    assert url.startswith(f"{live_server.url}/r/")
    code = url.rsplit("/r/", 1)[1]
    partner.get_by_role("button", name="Copy").click()
    expect(partner.get_by_role("button", name="Copied")).to_be_visible()
    assert partner.evaluate("() => navigator.clipboard.readText()") == url
    shot(partner, f"e2e-1-link-{label}")

    # The banner's snippet carries that link; copying it shows "Copied" and fills the clipboard.
    nav_to(partner, "Creatives")
    banner = partner.locator("article.creative", has_text="Spring 300×250")
    snippet = banner.locator("textarea").input_value()
    assert f'href="{url}"' in snippet and "<img" in snippet
    assert f"/r/{code}" in banner.inner_text()
    banner.get_by_role("button", name="Copy").click()
    expect(banner.get_by_role("button", name="Copied")).to_be_visible()
    assert partner.evaluate("() => navigator.clipboard.readText()") == snippet
    shot(partner, f"e2e-1-banner-copied-{label}")

    db.session.rollback()  # see what the server committed
    stored = db.session.scalar(select(Partner).where(Partner.email == email))
    assert stored.status == "approved"
    assert [lk.code for lk in db.session.scalars(
        select(TrackingLink).where(TrackingLink.partner_id == stored.id))] == [code]
    assert any("approved" in m["Subject"] for m in outbox.messages() if m["To"] == email)
    no_script_errors(applicant, staff, partner)


# --- 2. a click through the link → a sale through the API → the dashboard -----------------

@pytest.fixture()
def live_link(app, db, shop, live_server, monkeypatch):
    """An approved partner with a link to an offer whose landing page is the shop's, and an
    API key for the shop's checkout (what journey 1 ends with, plus the shop's setup)."""
    monkeypatch.setitem(app.config, "BASE_URL", live_server.url)
    get_program().name = "Northwind Outdoor"
    offer = OfferFactory(name="Trail Shoes", destination_url=f"{shop.url}/landing",
                         allowed_domains="127.0.0.1", default_commission_kind="percent",
                         default_commission_value=Decimal("10"))
    partner = PartnerFactory(name="Ava Walker", display_name="Ava W.")
    link = link_builder.create_link(partner, offer.id, actor=SYSTEM, now=utcnow()).link
    # The visitor in this journey buys seconds after the click; a real shopper takes minutes,
    # and the fast-conversion rule would (rightly) hold such a sale for review.
    screening.update_setting("fast_conversion", enabled=False, threshold="10", action="hold",
                             actor=SYSTEM, now=utcnow())
    _key, api_key = api_keys.create("Shop checkout", actor=SYSTEM, now=utcnow())
    db.session.commit()
    return partner, offer, link, api_key


def post_conversion(base_url: str, api_key: str, body: dict) -> tuple[int, dict]:
    """The shop's checkout reporting a sale, server to server."""
    request = urllib.request.Request(
        f"{base_url}/api/v1/conversions", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


@VIEWPORTS
def test_journey_2_click_and_sale_reach_the_dashboard(new_page, db, live_server, shop, live_link,
                                                       viewport, label):
    partner, offer, link, api_key = live_link

    # The link the partner shares (journey 1 ends with it copied). On loopback the visitor has
    # the partner's address, so the partner signs in only afterwards, or the sale would be
    # held as a self-referral.
    url = f"{live_server.url}/r/{link.code}"

    # A visitor (their own browser) follows it and lands on the shop with a click id,
    # which the shop's click-id keeper saves for checkout.
    visitor = new_page(viewport, user_agent=VISITOR_UA)  # headless Chromium's own says bot
    visitor.goto(url)
    assert visitor.url.startswith(f"{shop.url}/landing?")
    assert visitor.locator("h1").inner_text() == "Trail Shoes"
    assert visitor.locator("#saved").inner_text() == "Referral noted for checkout."
    click_id = parse_qs(urlsplit(visitor.url).query)["click_id"][0]
    assert visitor.evaluate("() => PartnerPortal.clickId()") == click_id
    shot(visitor, f"e2e-2-shop-landing-{label}")

    # The spool is loaded into the database, as the scheduler does (after the test's own
    # read snapshot ends: a write from a stale SQLite snapshot is refused).
    db.session.rollback()
    assert drain(wait_for_settle=True).stored == 1

    # Checkout reports the sale with that click id; a retry is answered with the same body.
    body = {"order_id": f"NW-{label}-1001", "amount": "80.00", "currency": "USD",
            "click_id": click_id, "event": "sale"}
    status, created = post_conversion(live_server.url, api_key, body)
    assert status == 201 and created["status"] == "attributed"
    assert created["partner_ref"] == partner.ref
    [commission] = created["commissions"]
    assert (commission["amount"], commission["status"]) == ("8.00", "pending")
    assert post_conversion(live_server.url, api_key, body) == (200, created)

    # The partner's dashboard: one click, one conversion, the commission pending.
    page = new_page(viewport)
    sign_in_page(page, partner.email, lands_on="**/partner/")
    assert page.locator("#kpi-clicks .value").inner_text() == "1"
    assert page.locator("#kpi-conversions .value").inner_text() == "1"
    assert page.locator("#kpi-revenue .value").inner_text() == "$80.00"
    assert page.locator("#kpi-earnings .value").inner_text() == "$8.00"
    assert page.locator("#kpi-pending .value").inner_text() == "$8.00"
    by_offer = page.locator("section", has_text="By offer").locator("tbody tr", has_text="Trail Shoes")
    assert by_offer.locator("td").all_inner_texts()[:4] == ["1", "1", "$8.00", "100.0%"]
    shot(page, f"e2e-2-dashboard-{label}")

    # The commission itself, with how it was worked out; and the link's own figures.
    page.get_by_role("link", name="See every commission").click()
    row = page.locator("tbody tr", has_text="Trail Shoes")
    assert "10% of $80.00" in row.inner_text() and "$8.00" in row.inner_text()
    shot(page, f"e2e-2-commissions-{label}")
    page.goto("/partner/links")
    link_row = page.locator("tbody tr", has_text=f"/r/{link.code}")
    assert link_row.locator("td.num").all_inner_texts()[:3] == ["1", "1", "$8.00"]
    shot(page, f"e2e-2-links-{label}")
    link_row.get_by_role("link", name=f"/r/{link.code}").click()
    assert page.locator("#link-url").input_value() == url
    shot(page, f"e2e-2-link-{label}")
    no_script_errors(page, visitor)


# --- 3. the month closes → statement emailed → the same PDF downloaded ---------------------

@VIEWPORTS
def test_journey_3_statement_emailed_and_downloaded(app, new_page, db, smtp_server, viewport, label):
    # March 2025 is long closed: a partner with a known ledger for it (closing $89.99).
    statement_helpers.program()
    partner = statement_helpers.seeded_partner(name="Ava Walker", email=f"ava.{label}@example.test")
    db.session.commit()

    # The monthly run, through the command the scheduler and operators use.
    result = app.test_cli_runner().invoke(
        args=["statements", "generate", "--month", statement_helpers.MONTH, "--email",
              "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "2025-03: 1 generated" in result.output and "1 sent" in result.output
    [message] = smtp_server.wait_for(1)
    assert message["To"] == partner.email
    assert "your statement for March 2025" in message["Subject"]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    emailed = attachment.get_content()
    assert "$89.99" in statement_helpers.pdf_text(emailed)

    # The partner finds it on their Statements page and downloads it.
    page = new_page(viewport, accept_downloads=True)
    sign_in_page(page, partner.email, lands_on="**/partner/")
    nav_to(page, "Statements")
    page.wait_for_url("**/partner/statements")
    row = page.locator("tbody tr", has_text="2025-03")
    assert "$100.00" in row.inner_text() and "$89.99" in row.inner_text()
    shot(page, f"e2e-3-statements-{label}")
    with page.expect_download() as download_info:
        row.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    saved = SCREENSHOTS / f"e2e-3-downloaded-statement-{label}.pdf"  # kept to look at
    download.save_as(saved)
    assert saved.read_bytes() == emailed
    no_script_errors(page)


# --- 4. finance pays a batch → the partner sees the payout ---------------------------------

@VIEWPORTS
def test_journey_4_finance_pays_and_partner_sees_it(new_page, make_user, db, outbox, viewport, label):
    program = get_program()
    program.name, program.min_payout = "Northwind Outdoor", Decimal("50")
    earned = utcnow() - timedelta(days=5)
    partner = PartnerFactory(name="Ben Dubois", email=f"ben.{label}@example.test",
                             payout_method="paypal", payout_email=f"ben.pay.{label}@example.test")
    for amount in ("120.00", "35.50"):
        CommissionFactory(partner=partner, amount=Decimal(amount), created_at=earned, approved_at=earned)
    finance = make_user("finance")
    cutoff = (utcnow() - timedelta(days=1)).date().isoformat()

    # Finance drafts the batch and approves it.
    page = new_page(viewport, accept_downloads=True)
    sign_in_page(page, finance.email, lands_on="**/admin/")
    nav_to(page, "Payouts")
    page.get_by_label("Cut-off date").fill(cutoff)
    page.get_by_role("button", name="Draft batch").click()
    page.wait_for_url("**/admin/payouts/batches/*")
    assert page.locator("#batch-total").inner_text() == "$155.50"
    shot(page, f"e2e-4-batch-draft-{label}")
    page.get_by_role("link", name="Approve batch…").click()
    page.wait_for_url("**/approve")
    assert page.locator("#confirm-count").inner_text() == "1"
    assert page.locator("#confirm-total").inner_text() == "$155.50"
    page.get_by_role("button", name="Approve 1 payout for $155.50").click()
    assert "Batch approved" in page.locator(".flash").inner_text()

    # The PayPal file for the payment provider.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="PayPal Payouts file (CSV)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert [r[:3] for r in rows] == [[f"ben.pay.{label}@example.test", "155.50", "USD"]]
    shot(page, f"e2e-4-batch-approved-{label}")

    # Sent with the provider's batch id, then paid.
    page.get_by_label("Reference", exact=True).fill(f"PP-{label.upper()}-7731")
    page.get_by_role("button", name="Mark approved payouts sent").click()
    row = page.locator("tr", has_text="Ben Dubois")
    assert "Sent" in row.inner_text()
    shot(page, f"e2e-4-payout-sent-{label}")
    row.get_by_role("button", name="Mark paid").click()
    row = page.locator("tr", has_text="Ben Dubois")
    assert "Paid" in row.inner_text() and f"PP-{label.upper()}-7731" in row.inner_text()
    shot(page, f"e2e-4-payout-paid-{label}")

    # The partner: the payout in their history, the balance back to zero, and an email.
    mine = new_page(viewport)
    sign_in_page(mine, partner.email, lands_on="**/partner/")
    nav_to(mine, "Payouts")
    mine.wait_for_url("**/partner/payouts")
    history = mine.locator("section", has_text="Payout history").locator("tbody tr")
    assert history.count() == 1
    assert all(text in history.inner_text()
               for text in ("PayPal", "Paid", "$155.50", f"PP-{label.upper()}-7731"))
    assert mine.locator(".amount-big").inner_text() == "$0.00"
    shot(mine, f"e2e-4-partner-payouts-{label}")
    [paid_mail] = [m for m in outbox.messages() if m["To"] == partner.email]
    assert "We have paid you $155.50." in paid_mail.get_body(("plain",)).get_content()
    no_script_errors(page, mine)
