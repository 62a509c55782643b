"""The security checklist (docs/security.md maps every item to its tests). Here: the items
about *every* page, form, export or route, which walk the URL map over a full demo program
plus a partner whose every field is hostile, so routes added later are covered without
anyone remembering to; and the gaps the other test files left.

- item 1: CRLF in any click parameter; ``next`` same-site in every form that takes one;
- item 2: every API route and the postback refuse missing, bad or revoked keys; 50
  parallel postbacks of one order make one conversion;
- item 4: every POST form on every page carries a CSRF token, and every state-changing
  route (all but the bearer-token API) refuses a POST without one; a partner's password
  change ends their other sessions; every way of setting a password stores Argon2id;
- item 6: partner-supplied text is escaped on every page, and no CSV export has a cell a
  spreadsheet would run as a formula;
- item 7: security headers on every response: pages, redirects, downloads, errors, the
  click redirect and the API.
"""

from __future__ import annotations

import csv
import html
import io
import itertools
import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from partner_portal.models import (
    Announcement,
    AuditEntry,
    Cap,
    Commission,
    CommissionRule,
    Conversion,
    Creative,
    FraudCase,
    Offer,
    PartnerGroup,
    PayoutBatch,
    Statement,
    StatementRun,
    TermsVersion,
    User,
    WebhookEndpoint,
)
from partner_portal.models.base import utcnow
from partner_portal.services import api_keys, audit, demo, terms
from partner_portal.services.program import program_zone
from partner_portal.services.spreadsheet import safe_cell

from ..factories import (
    ConversionFactory,
    CreativeFactory,
    DailyStatFactory,
    EarnedCommissionFactory,
    LinkFactory,
    OfferFactory,
    PartnerFactory,
)
from ..support import DEFAULT_PASSWORD, sign_in
from ..support.conversions import no_errors, parallel_requests

# Partner-supplied text: each starts like a spreadsheet formula and carries markup that
# would run if a page printed it raw.
HOSTILE = {
    "name": "=HYPERLINK(\"http://evil.example\",\"x\") <script>alert('xss-name')</script>",
    "display_name": "+1 <img src=x onerror=alert('xss-display')>",
    "company": "-2+3 <svg onload=alert('xss-company')>",
    "website": "https://mallory.example/?q=\"><script>alert('xss-site')</script>",
    "social_profile": "@mallory <iframe src=javascript:alert('xss-social')>",
    "payout_other_details": "\t=1+1 <script>alert('xss-payout')</script>",
}
HOSTILE_SUB = "=cmd|' /C calc'!A0 <b>xss-sub</b>"
HOSTILE_ORDER = "@SUM(1+1)<script>alert('xss-order')</script>"
HOSTILE_CUSTOMER = "+cmd <script>alert('xss-customer')</script>"
RAW_MARKUP = ("<script>alert('xss-", "<img src=x onerror", "<svg onload", "<iframe src=javascript",
              "<b>xss-sub</b>")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
OWNER, PASSWORD = "owner@demo.test", demo.DEMO_PASSWORD

# Route arguments that are not database ids: every allowed value is tried.
CHOICES = {"kind": ["svg", "png"], "action": ["activate", "deactivate", "archive"],
           "by": ["offer", "sub1", "day"], "name": ["paypal", "sepa", "csv"]}
# Arguments whose pages are reached only from a one-off link (password reset, email
# change confirmation): their forms and headers are tested in test_auth / test_partner_account.
ONE_OFF = {"token"}
# Arguments the world fixture fills with an id (or a name) from its data.
ID_ARGS = {"partner_id", "offer_id", "link_id", "creative_id", "file_name", "code", "filename",
           "batch_id", "commission_id", "case_id", "cap_id", "rule_id", "announcement_id",
           "group_id", "endpoint_id", "statement_id", "run_id"}


@pytest.fixture()
def world(app, db):
    """The demo program, a hostile partner with a link, a sale and traffic, and a hostile
    applicant. Returns the ids the route arguments are filled with."""
    now = utcnow()
    seeded = app.test_cli_runner().invoke(args=["demo", "seed", "--days", "2", "--quiet"])
    assert seeded.exit_code == 0, seeded.output
    offer = db.session.scalars(select(Offer).order_by(Offer.id)).first()
    mallory = PartnerFactory(email="mallory@evil.example", status="approved", payout_method="other",
                             **HOSTILE)
    PartnerFactory(email="applicant@evil.example", status="applied", **HOSTILE)
    link = LinkFactory(partner=mallory, offer=offer, code="mallory1", sub1=HOSTILE_SUB)
    conversion = ConversionFactory(partner=mallory, offer=offer, order_id=HOSTILE_ORDER,
                                   customer_id=HOSTILE_CUSTOMER)
    EarnedCommissionFactory(partner=mallory, conversion=conversion, status="approved",
                            approved_at=now)
    DailyStatFactory(partner_id=mallory.id, offer_id=offer.id, sub1=HOSTILE_SUB,
                     day=now.astimezone(program_zone()).date(), clicks=40, unique_clicks=30,
                     conversions=1, revenue=Decimal("100.00"), commission=Decimal("10.00"))
    statement = Statement(partner_id=mallory.id, month="2026-10", currency="USD", as_of=now,
                          opening_balance=Decimal("0"), closing_balance=Decimal("10.00"),
                          credits=Decimal("10.00"), debits=Decimal("0"), pending_amount=Decimal("0"),
                          sha256="0" * 64, size=8, pdf=b"%PDF-1.7")
    db.session.add(statement)
    db.session.add(StatementRun(month="2026-10", status="failed", requested_by_label=HOSTILE["name"],
                                total=2, rendered=1, failed=1, error=HOSTILE["name"]))
    terms.accept(mallory, [v.id for v in terms.pending_for(mallory)], ip=None, now=now)
    db.session.commit()

    def first(model, *where):
        return db.session.scalars(select(model.id).where(*where).order_by(model.id)).first()

    banner = db.session.scalars(select(Creative).where(Creative.kind == "banner")).first()
    ids = {"partner_id": mallory.id, "offer_id": offer.id, "link_id": link.id,
           "creative_id": banner.id, "file_name": banner.file_name, "code": link.code,
           "filename": "css/app.css", "batch_id": first(PayoutBatch),
           "commission_id": first(Commission, Commission.partner_id == mallory.id),
           "case_id": first(FraudCase), "cap_id": first(Cap), "rule_id": first(CommissionRule),
           "announcement_id": first(Announcement), "group_id": first(PartnerGroup),
           "endpoint_id": first(WebhookEndpoint), "statement_id": statement.id,
           "run_id": first(StatementRun)}
    assert set(ids) == ID_ARGS
    return {"ids": {k: v for k, v in ids.items() if v is not None}, "mallory": mallory}


def rules_under(app, *prefixes, methods=("GET",)):
    return sorted((r for r in app.url_map.iter_rules()
                   if r.rule.startswith(prefixes) and set(methods) & r.methods),
                  key=lambda r: r.rule)


def urls(rule, ids):
    """Every URL of ``rule`` with its arguments filled from ``ids`` / CHOICES; none when the
    demo program has no row of that kind."""
    names = sorted(rule.arguments)
    unknown = set(names) - ID_ARGS - set(CHOICES) - ONE_OFF
    assert not unknown, f"{rule.rule}: say in world() (ID_ARGS) or CHOICES what {unknown} is"
    if set(names) & ONE_OFF or set(names) - set(ids) - set(CHOICES):
        return []
    pools = [[ids[n]] if n in ids else CHOICES[n] for n in names]
    return [rule.build(dict(zip(names, values)), append_unknown=False)[1]
            for values in itertools.product(*pools)]


DOWNLOAD_LINK = re.compile(r'href="(/[^"]*(?:\.csv|format=csv[^"]*|\.pdf|/export/[^"]*))"')


def walk(client, app, prefixes, ids):
    """GET every page under ``prefixes``, and every download (CSV, PDF, payment file) those
    pages link to; yields (url, response)."""
    downloads = set()
    for rule in rules_under(app, *prefixes):
        for url in urls(rule, ids):
            for query in ("", "?range=30d"):
                response = client.get(url + query)
                yield url + query, response
                if is_html(response):
                    downloads.update(html.unescape(href) for href in
                                     DOWNLOAD_LINK.findall(response.get_data(as_text=True)))
    for url in sorted(downloads):
        yield url, client.get(url)


def staff_and_partner_pages(app, world):
    """Every admin page as the owner, then every partner page as the hostile partner, each
    in their own browser (client)."""
    owner = app.test_client()
    sign_in(owner, OWNER, PASSWORD)
    yield from walk(owner, app, ("/admin",), world["ids"])
    partner = app.test_client()
    sign_in(partner, world["mallory"].email, DEFAULT_PASSWORD)
    yield from walk(partner, app, ("/partner",), world["ids"])


def is_html(response):
    return response.mimetype == "text/html"


def is_csv(response):
    return response.mimetype == "text/csv"


@pytest.fixture()
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


# --- item 4: CSRF -------------------------------------------------------------------------

POST_FORM = re.compile(r"<form\b[^>]*\bmethod=\"post\"[^>]*>.*?</form>", re.S | re.I)
TOKEN_FIELD = re.compile(r'name="([a-z0-9_]+-)?csrf_token"[^>]*value="[^"]+"')


def test_every_post_form_on_every_page_carries_a_csrf_token(app, client, world, csrf_on):
    pages, forms = set(), 0
    anonymous = [(url, client.get(url)) for url in ("/login", "/apply", "/password/forgot")]
    for url, response in itertools.chain(anonymous, staff_and_partner_pages(app, world)):
        if response.status_code != 200 or not is_html(response):
            continue
        for form in POST_FORM.findall(response.get_data(as_text=True)):
            assert TOKEN_FIELD.search(form), f"{url}: a POST form without a CSRF token: {form[:200]}"
            forms += 1
            pages.add(url.split("?")[0])
    # The walk reached the pages with forms (not only empty lists or redirects).
    assert len(pages) >= 40 and forms >= 150, (len(pages), forms)
    assert {"/admin/partners", "/partner/links", "/partner/account", "/login", "/apply"} <= pages


def test_every_state_changing_route_refuses_a_post_without_a_token(app, db, world, csrf_on):
    """Everything but the bearer-token API (no cookies, so nothing to forge) checks the token,
    before the guard or the view runs: the answer is the 'form expired' page, nothing else."""
    checked, exempt = [], []
    for who, prefix in ((OWNER, "/admin"), ("mallory@evil.example", "/partner"), (None, "/")):
        browser = app.test_client()
        if who:
            sign_in(browser, who, PASSWORD if who == OWNER else DEFAULT_PASSWORD)
        audited = db.session.scalar(select(func.count()).select_from(AuditEntry))
        db.session.rollback()
        for rule in rules_under(app, prefix, methods=("POST", "PUT", "PATCH", "DELETE")):
            if who is None and rule.rule.startswith(("/admin", "/partner")):
                continue
            if rule.endpoint.startswith("api."):
                exempt.append(rule.rule)
                continue
            url = rule.build({a: world["ids"].get(a, 1) for a in rule.arguments},
                             append_unknown=False)[1]
            for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
                response = browser.open(url, method=method, data={"x": "1"})
                assert response.status_code == 400, f"{method} {url} -> {response.status_code}"
                assert "form expired" in response.get_data(as_text=True), url
                checked.append(f"{method} {rule.rule}")
        # Every admin action and partner change is audited: none happened.
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audited
        db.session.rollback()
    assert len(checked) >= 75, len(checked)
    assert all(r.startswith("/api/") for r in exempt)


# --- item 6: escaping and spreadsheet-safe CSV ---------------------------------------------

def test_partner_supplied_text_is_escaped_on_every_page(app, client, world):
    seen_hostile = set()
    for url, response in staff_and_partner_pages(app, world):
        assert response.status_code < 500, f"{url} -> {response.status_code}"
        if not is_html(response):
            continue
        body = response.get_data(as_text=True)
        raw = [m for m in RAW_MARKUP if m in body]
        assert not raw, f"{url} prints partner-supplied markup raw: {raw}"
        if "xss-" in body:
            seen_hostile.add(url.split("?")[0])
    # The hostile text was on screen (escaped) on the pages that show it.
    assert {f"/admin/partners/{world['mallory'].id}", "/admin/partners", "/partner/",
            "/partner/earnings", "/partner/links", "/partner/account"} <= seen_hostile, seen_hostile


def _is_number(cell: str) -> bool:
    try:
        Decimal(cell)
    except InvalidOperation:
        return False
    return True


def test_no_csv_export_has_a_cell_a_spreadsheet_would_run(app, client, world):
    exports, hostile_cells = set(), 0
    for url, response in staff_and_partner_pages(app, world):
        if response.status_code != 200 or not is_csv(response):
            continue
        exports.add(url.split("?")[0])
        text = response.get_data(as_text=True).lstrip("\ufeff")
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                if cell.startswith(FORMULA_STARTS):
                    assert cell.startswith("-") and _is_number(cell), f"{url}: formula cell {cell!r}"
                if "xss-" in cell:
                    hostile_cells += 1
                    assert cell.startswith(("'", "<")) or not cell.startswith(FORMULA_STARTS)
    assert len(exports) >= 12, sorted(exports)
    assert {"/admin/partners.csv", "/partner/earnings.csv", "/partner/links.csv"} & exports
    assert hostile_cells >= 8, hostile_cells


# --- item 7: security headers on every response ---------------------------------------------

def assert_security_headers(url, response):
    """Pages get the full policy; an uploaded banner served as a file gets a stricter one of
    its own (``default-src 'none'; sandbox``), which is fine: framing is refused for every
    response by X-Frame-Options."""
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    if (response.mimetype or "").startswith("image/") and "sandbox" in csp:
        assert "default-src 'none'" in csp, f"{url}: CSP {csp!r}"
    else:
        assert "frame-ancestors 'none'" in csp, f"{url}: CSP {csp!r}"
        assert "default-src 'self'" in csp, f"{url}: CSP {csp!r}"
    assert headers.get("X-Content-Type-Options") == "nosniff", url
    assert headers.get("Referrer-Policy") in ("strict-origin-when-cross-origin",
                                              "no-referrer-when-downgrade", "no-referrer"), url
    assert headers.get("X-Frame-Options") == "DENY", url


def test_security_headers_on_every_response(app, client, world):
    statuses = set()
    # Every route in the map, anonymously: sign-in redirects, 401s from the API, 404s, pages.
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods:
            continue
        url = rule.build({a: world["ids"].get(a, 1) for a in rule.arguments},
                         append_unknown=False)[1] if rule.arguments else rule.rule
        response = client.get(url)
        assert_security_headers(url, response)
        statuses.add(response.status_code)
    # Signed in: every admin and partner page, CSV and PDF download.
    for url, response in staff_and_partner_pages(app, world):
        assert_security_headers(url, response)
        statuses.add(response.status_code)
    # The click redirect (answered before Flask), a dead link, an unknown page.
    for url in (f"/r/{world['ids']['code']}", "/r/nosuchcode", "/no/such/page"):
        response = client.get(url, headers={"User-Agent": "Mozilla/5.0 Chrome/131"})
        assert_security_headers(url, response)
        statuses.add(response.status_code)
    assert {200, 302, 401, 404} <= statuses, statuses


# --- item 1: redirects ----------------------------------------------------------------------

CLICK_PARAMS = ["sub1", "sub2", "sub3", "sub4", "sub5", "url", "gclid", "utm_source"]
CRLF = ["%0d%0aSet-Cookie:%20pwn=1", "%0aX-Evil:%201", "%0dX-Evil:%201",
        "%E5%98%8A%E5%98%8DX-Evil:%201",  # U+560A U+560D: "\n" and "\r" in their low bytes
        "x%0d%0a%0d%0a<script>alert(1)</script>"]


@pytest.fixture()
def click_link(db):
    link = LinkFactory(code="crlf0001", offer=OfferFactory(
        destination_url="https://shop.example.com/landing", allowed_domains="shop.example.com"))
    db.session.commit()
    return link


@pytest.mark.parametrize("param", CLICK_PARAMS)
def test_crlf_in_any_click_parameter_splits_no_header(client, click_link, param):
    for payload in CRLF:
        response = client.get(f"/r/{click_link.code}?{param}={payload}",
                              headers={"User-Agent": "Mozilla/5.0 Chrome/131"})
        assert response.status_code == 302, (param, payload)
        location = response.headers["Location"]
        assert not re.search(r"[\r\n\x00-\x1f\x7f]", location), (param, location)
        assert urlsplit(location).hostname == "shop.example.com"
        assert "X-Evil" not in response.headers
        # Only the portal's own cookies; the injected one would be "pwn=1" (a signed click
        # id may hold the letters "pwn" by chance, never an "=").
        cookies = response.headers.getlist("Set-Cookie")
        assert all(c.split("=", 1)[0].strip().startswith("pp_") for c in cookies), cookies
        assert not any("pwn=" in c for c in cookies), cookies


OFFSITE = ["//evil.example", "https://evil.example/", "/\\evil.example", "\\\\evil.example",
           "https://a@evil.example", "///evil.example", "/\t/evil.example", "javascript:alert(1)",
           "/partner/\r\nLocation: https://evil.example", "http:evil.example"]


@pytest.mark.parametrize("target", OFFSITE)
def test_next_is_same_site_in_every_form_that_takes_it(app, db, login_as, make_user, target):
    """Besides sign-in (test_auth): the link builder (reached from a creative) and the
    creatives library's archive/restore buttons carry a ``next`` too."""
    offer = OfferFactory()
    creative = CreativeFactory(offer=offer)
    partner = make_user("partner")
    db.session.commit()
    as_partner = app.test_client()
    assert as_partner.post("/login", data={"email": partner.email,
                                           "password": DEFAULT_PASSWORD}).status_code == 302
    made = as_partner.post("/partner/links", data={"offer_id": str(offer.id), "next": target})
    assert made.status_code == 302
    assert made.headers["Location"].startswith("/partner/links/"), made.headers["Location"]
    assert as_partner.post("/partner/links", data={
        "offer_id": str(offer.id), "next": "/partner/creatives"}).headers["Location"] == "/partner/creatives"

    as_manager = app.test_client()
    manager = make_user("manager")
    assert as_manager.post("/login", data={"email": manager.email,
                                           "password": DEFAULT_PASSWORD}).status_code == 302
    archived = as_manager.post(f"/admin/creatives/{creative.id}/archive", data={"next": target})
    assert archived.status_code == 302 and archived.headers["Location"] == "/admin/creatives"


# --- item 2: conversion API and postback ------------------------------------------------------

@pytest.fixture()
def api_setup(app, db):
    offer = OfferFactory()
    partner = PartnerFactory()
    link = LinkFactory(offer=offer, partner=partner)
    _key, plain = api_keys.create("Shop", actor=audit.Actor.system("test"), now=utcnow())
    revoked, revoked_plain = api_keys.create("Old shop", actor=audit.Actor.system("test"), now=utcnow())
    api_keys.revoke(revoked.id, actor=audit.Actor.system("test"), now=utcnow())
    db.session.commit()
    token = app.extensions["pp_click_codec"].encode(partner.id, offer.id, link.id,
                                                    utcnow() - timedelta(hours=1))
    return {"key": plain, "revoked": revoked_plain, "click_id": token}


def _stored(db):
    db.session.rollback()
    return (db.session.scalar(select(func.count()).select_from(Conversion)),
            db.session.scalar(select(func.count()).select_from(Commission)))


def test_every_api_route_refuses_a_missing_bad_or_revoked_key(app, client, db, api_setup):
    """Walks the API's routes, so endpoints added later are covered (the public API
    description aside)."""
    bad = [None, "Bearer", "Bearer ", "Bearer nope", "Basic cHA6eA==", "Bearer pp_wrong",
           f"Bearer {api_setup['revoked']}", f"bearer{api_setup['key']}", api_setup["key"]]
    routes = [r for r in app.url_map.iter_rules()
              if r.rule.startswith("/api/") and not r.rule.endswith("openapi.json")]
    assert any(r.endpoint == "api.create_conversion" for r in routes)
    body = {"order_id": "NOKEY-1", "amount": "10.00", "currency": "USD",
            "click_id": api_setup["click_id"]}
    for rule in routes:
        url = rule.build({a: "1" for a in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for header in bad:
                response = client.open(url, method=method, json=body,
                                       headers={"Authorization": header} if header else {})
                assert response.status_code == 401, f"{method} {url} with {header!r}"
                assert response.json["status"] == 401
    assert _stored(db) == (0, 0)


@pytest.mark.parametrize("token", [None, "", "pp_wrong", "revoked", "key-in-header-only"])
def test_postback_refuses_a_missing_bad_or_revoked_token(client, db, api_setup, token):
    query = f"click_id={api_setup['click_id']}&order_id=PB-NOKEY&amount=10.00&currency=USD"
    headers = {}
    if token == "revoked":
        query += f"&token={api_setup['revoked']}"
    elif token == "key-in-header-only":
        headers = {"Authorization": f"Bearer {api_setup['key']}"}
    elif token is not None:
        query += f"&token={token}"
    response = client.get(f"/postback?{query}", headers=headers)
    assert response.status_code == 401
    assert _stored(db) == (0, 0)


@pytest.mark.slow
def test_fifty_parallel_postbacks_of_one_order_make_one_conversion(app, db, api_setup):
    query = (f"click_id={api_setup['click_id']}&order_id=PB-RACE&amount=50.00&currency=USD"
             f"&token={api_setup['key']}")
    statuses = parallel_requests(app, 50, lambda c: c.get(f"/postback?{query}").status_code)
    no_errors(statuses)
    assert sorted(statuses) == [200] * 49 + [201]
    assert _stored(db) == (1, 1)


# --- item 4: sessions and password hashes -----------------------------------------------------

def test_a_partners_password_change_ends_their_other_sessions(app, make_user):
    partner = make_user("partner")
    laptop, phone = app.test_client(), app.test_client()
    for browser in (laptop, phone):
        assert browser.post("/login", data={"email": partner.email,
                                            "password": DEFAULT_PASSWORD}).status_code == 302
    assert phone.get("/partner/").status_code == 200
    changed = laptop.post("/partner/account", data={
        "pw-current_password": DEFAULT_PASSWORD, "pw-password": "a-new-strong-password",
        "pw-confirm": "a-new-strong-password"})
    assert changed.status_code == 302
    assert laptop.get("/partner/").status_code == 200
    gone = phone.get("/partner/")
    assert gone.status_code == 302 and gone.headers["Location"].startswith("/login")


def test_every_way_of_setting_a_password_stores_argon2id(app, client, db, make_user, outbox):
    def stored_hash(email):
        db.session.rollback()
        return db.session.scalar(select(User.password_hash).where(User.email == email))

    def is_argon2id(value, password):
        return value.startswith("$argon2id$") and password not in value

    # Signing up at /apply.
    db.session.add(TermsVersion(kind="terms", version=1, title="Terms", body="Be honest."))
    db.session.commit()
    client.post("/apply", data={"name": "Ada Lovelace", "email": "ada@analytical.example",
                                "password": "engines-and-numbers", "confirm": "engines-and-numbers",
                                "website": "https://analytical.example", "promotion_methods": ["content"],
                                "country": "GB", "accept_terms": "y"})
    assert is_argon2id(stored_hash("ada@analytical.example"), "engines-and-numbers")
    # The CLI's first admin.
    result = app.test_cli_runner().invoke(
        args=["users", "create-admin", "boss@example.test", "--password-stdin"],
        input="a-long-enough-secret\n")
    assert result.exit_code == 0, result.output
    assert is_argon2id(stored_hash("boss@example.test"), "a-long-enough-secret")
    # A partner's own change, and a reset by email.
    partner = make_user("partner")
    browser = app.test_client()
    browser.post("/login", data={"email": partner.email, "password": DEFAULT_PASSWORD})
    browser.post("/partner/account", data={"pw-current_password": DEFAULT_PASSWORD,
                                           "pw-password": "changed-password-1",
                                           "pw-confirm": "changed-password-1"})
    assert is_argon2id(stored_hash(partner.email), "changed-password-1")
    app.test_client().post("/password/forgot", data={"email": partner.email})
    body = outbox.messages()[-1].get_body(preferencelist=("plain",)).get_content()
    path = urlsplit(re.search(r"https?://\S+/password/reset/\S+", body).group(0)).path
    reset = app.test_client().post(path, data={"password": "reset-password-2",
                                               "confirm": "reset-password-2"})
    assert reset.status_code == 302
    assert is_argon2id(stored_hash(partner.email), "reset-password-2")


# --- item 6: the one spreadsheet rule ---------------------------------------------------------

@pytest.mark.parametrize("text", ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1",
                                  "=HYPERLINK(\"http://evil.example\")", "-cmd|' /C calc'!A0"])
def test_a_cell_that_would_be_a_formula_is_made_text(text):
    assert safe_cell(text) == "'" + text
    assert safe_cell(Decimal("-12.50")) == "-12.50"  # negative amounts stay numbers
    assert safe_cell("Ann =1") == "Ann =1"
