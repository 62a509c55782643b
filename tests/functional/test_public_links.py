"""Every link the portal emails or hands out to copy is built from BASE_URL, whatever the
request says about its host: ``Host: evil.test`` or ``X-Forwarded-Host: evil.test`` puts
that name into no email, no tracking link, no QR code, no snippet and no API answer."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import quote

import pytest
from sqlalchemy import select

from partner_portal.models import Statement, User
from partner_portal.models.base import utcnow
from partner_portal.services import api_keys, audit

from ..factories import CapFactory, CreativeFactory, GroupFactory, LinkFactory, OfferFactory, PartnerFactory
from ..support import DEFAULT_PASSWORD
from ..support import statements as h

BASE = "https://partners.example.com"
HOSTILE = {"Host": "evil.test", "X-Forwarded-Host": "evil.test", "X-Forwarded-Proto": "http",
           "X-Forwarded-Server": "evil.test", "X-Host": "evil.test", "Forwarded": "host=evil.test"}
URL = re.compile(r"""https?://[^\s"'<>)]+""")


@pytest.fixture(autouse=True)
def base_url(app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", BASE)


@pytest.fixture()
def api(db):
    _key, plain = api_keys.create("CRM", actor=audit.Actor.system("test"), now=utcnow())
    db.session.commit()
    return {"Authorization": f"Bearer {plain}", **HOSTILE}


def links_in(message) -> list[str]:
    """Every URL in the message's text and HTML parts (after checking no part names the
    hostile host at all)."""
    found = []
    for part in ("plain", "html"):
        body = message.get_body(preferencelist=(part,)).get_content()
        assert "evil.test" not in body, body
        found += URL.findall(body)
    assert "evil.test" not in str(message)
    return found


def assert_links_from_base(message, *paths: str) -> None:
    links = links_in(message)
    assert links, "the email carries a link"
    assert all(link.startswith(BASE + "/") for link in links), links
    for path in paths:
        assert any(link.startswith(BASE + path) for link in links), (path, links)


@pytest.fixture()
def signed_in(client, login_as):
    """Sign in as ``role``; the session cookie then goes with requests to the hostile host
    as well (a browser pointed at evil.test through DNS would send it)."""

    def sign_in(role: str):
        user = login_as(role)
        name = client.application.config["SESSION_COOKIE_NAME"]
        client.set_cookie(name, client.get_cookie(name).value, domain="evil.test")
        return user

    return sign_in


def only(outbox, subject_part: str):
    [message] = [m for m in outbox.messages() if subject_part in m["Subject"]]
    return message


# --- emails ------------------------------------------------------------------------------

def test_password_reset_email(client, db, make_user, outbox):
    user = make_user("partner")
    response = client.post("/password/forgot", data={"email": user.email}, headers=HOSTILE)
    assert response.status_code == 302
    message = only(outbox, "reset your password")
    assert_links_from_base(message, "/password/reset/")
    # The emailed link works on the real host.
    [link] = {u for u in links_in(message) if "/password/reset/" in u}
    page = client.get(link.removeprefix(BASE), headers={"Host": "partners.example.com"})
    assert page.status_code == 200 and 'name="password"' in page.get_data(as_text=True)


def test_staff_invitation_email(client, db, signed_in, outbox):
    signed_in("owner")
    response = client.post("/admin/staff/invite", data={"email": "new.manager@example.test",
                                                        "role": "manager"}, headers=HOSTILE)
    assert response.status_code == 302
    assert_links_from_base(only(outbox, "you have been invited"), "/password/reset/")


def test_set_password_and_approval_emails_of_a_partner_added_over_the_api(client, db, api,
                                                                          outbox):
    GroupFactory(is_default=True)
    db.session.commit()
    created = client.post("/api/v1/partners", headers=api,
                          json={"email": "new.partner@example.com", "name": "New Partner"})
    assert created.status_code == 201, created.json
    assert_links_from_base(only(outbox, "your partner account"), "/password/reset/")
    approved = client.post(f"/api/v1/partners/{created.json['id']}/approve", headers=api)
    assert approved.status_code == 200, approved.json
    assert_links_from_base(only(outbox, "approved"), "/login")


def test_email_change_confirmation(client, db, signed_in, outbox):
    signed_in("partner")
    response = client.post("/partner/account/email", headers=HOSTILE, data={
        "email-new_email": "moved@example.com", "email-password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert_links_from_base(only(outbox, "confirm your new email address"),
                           "/partner/account/email/confirm/")


def test_announcement_email(client, db, signed_in, outbox):
    signed_in("manager")
    PartnerFactory(email="keen@example.test")
    db.session.commit()
    response = client.post("/admin/announcements", headers=HOSTILE, data={
        "title": "Double weekend", "body": "Every sale counts twice.", "email": "y"})
    assert response.status_code == 302
    assert_links_from_base(only(outbox, "Double weekend"), "/partner/")


def test_cap_alert_email_sent_while_answering_a_conversion(client, db, api, make_user, outbox):
    make_user("manager")
    offer = OfferFactory()
    CapFactory(offer=offer, period="month", limit_value=Decimal("1"))
    partner = PartnerFactory()
    db.session.commit()
    response = client.post("/api/v1/conversions", headers=api, json={
        "order_id": "A-1", "amount": "100", "currency": "USD", "partner_ref": partner.ref,
        "offer_id": offer.id})
    assert response.status_code == 201, response.json
    assert_links_from_base(only(outbox, "cap reached"), f"/admin/offers/{offer.id}/caps")


def test_statement_ready_email(app, db, smtp_server):
    from partner_portal.jobs import statements as runs
    from partner_portal.services.statements.months import Month

    summer, winter = h.offers()
    h.seeded_partner(summer, winter)
    db.session.commit()
    march = Month(2025, 3)
    later = h.utc(2025, 6, 1)
    runs.generate(app, march, now=later, workers=1)
    assert db.session.scalar(select(Statement)) is not None
    runs.queue_emails(march, now=later)
    # Were this ever done while answering a request, the request's host would not matter.
    with app.test_request_context("/", headers=HOSTILE):
        assert runs.deliver_emails(app, month=march)["sent"] == 1
    [message] = smtp_server.wait_for(1)
    assert_links_from_base(message, "/partner/statements")


# --- links to copy -----------------------------------------------------------------------

@pytest.fixture()
def partner_with_link(client, db, signed_in):
    user = signed_in("partner")
    offer = OfferFactory(name="Trail Shoes")
    link = LinkFactory(partner=user.partner, offer=offer, code="hostile1")
    db.session.commit()
    return user.partner, offer, link


def assert_page_links_from_base(html: str, *expected: str) -> None:
    assert "evil.test" not in html
    for url in expected:
        assert url in html, url


def test_tracking_link_page_csv_and_qr_codes(client, db, partner_with_link):
    _partner, _offer, link = partner_with_link
    page = client.get(f"/partner/links/{link.id}", headers=HOSTILE).get_data(as_text=True)
    assert_page_links_from_base(page, f"{BASE}/r/hostile1")
    csv = client.get("/partner/links.csv", headers=HOSTILE).get_data(as_text=True)
    assert_page_links_from_base(csv, f"{BASE}/r/hostile1")
    svg = client.get(f"/partner/links/{link.id}/qr.svg", headers=HOSTILE).get_data(as_text=True)
    assert_page_links_from_base(svg, f"{BASE}/r/hostile1")
    # The PNG cannot be read as text: it is the same image whatever the request's host.
    hostile_png = client.get(f"/partner/links/{link.id}/qr.png", headers=HOSTILE).data
    plain_png = client.get(f"/partner/links/{link.id}/qr.png").data
    assert hostile_png[:8] == b"\x89PNG\r\n\x1a\n" and hostile_png == plain_png


def test_share_links_and_recruitment_link(client, db, partner_with_link):
    partner, _offer, link = partner_with_link
    referral = client.get("/partner/share?what=referral", headers=HOSTILE).get_data(as_text=True)
    assert_page_links_from_base(referral, f"{BASE}/apply?ref={partner.ref}",
                                quote(f"{BASE}/apply?ref={partner.ref}", safe=""))
    shared = client.get(f"/partner/share?what=link-{link.id}", headers=HOSTILE)
    assert_page_links_from_base(shared.get_data(as_text=True), f"{BASE}/r/hostile1")
    offers = client.get("/partner/offers", headers=HOSTILE).get_data(as_text=True)
    assert_page_links_from_base(offers, f"{BASE}/apply?ref={partner.ref}")


def test_creative_snippets(client, db, partner_with_link):
    _partner, offer, link = partner_with_link
    banner = CreativeFactory(offer=offer, kind="banner", name="Square", file_name="a" * 24 + ".png",
                             content_type="image/png", file_size=100, width=300, height=250)
    CreativeFactory(offer=offer, kind="text_link", name="Text", body="Shop now")
    db.session.commit()
    listing = client.get("/partner/creatives", headers=HOSTILE).get_data(as_text=True)
    assert_page_links_from_base(listing, f"{BASE}/r/hostile1", f"{BASE}/creatives/{banner.file_name}")
    detail = client.get(f"/partner/creatives/{banner.id}?link={link.id}", headers=HOSTILE)
    assert_page_links_from_base(detail.get_data(as_text=True), f"{BASE}/r/hostile1",
                                f"{BASE}/creatives/{banner.file_name}")


def test_tracking_links_over_the_api(client, db, api):
    partner, offer = PartnerFactory(), OfferFactory()
    db.session.commit()
    created = client.post("/api/v1/links", headers=api,
                          json={"partner_id": partner.id, "offer_id": offer.id})
    assert created.status_code == 201, created.json
    assert created.json["url"] == f"{BASE}/r/{created.json['code']}"
    listed = client.get("/api/v1/links", headers=api)
    assert [item["url"] for item in listed.json["data"]] == [created.json["url"]]


def test_openapi_servers(client, db):
    document = client.get("/api/v1/openapi.json", headers=HOSTILE).json
    assert document["servers"] == [{"url": BASE}]


def test_a_base_url_with_a_path_prefix_is_kept(app, client, db, make_user, outbox, monkeypatch):
    """Served under a prefix (https://example.com/partners), links keep the prefix."""
    monkeypatch.setitem(app.config, "BASE_URL", "https://example.com/partners")
    user = make_user("owner")
    client.post("/password/forgot", data={"email": user.email}, headers=HOSTILE)
    links = links_in(only(outbox, "reset your password"))
    assert links and all(u.startswith("https://example.com/partners/password/reset/")
                         for u in links), links
    assert db.session.scalar(select(User).where(User.email == user.email))
