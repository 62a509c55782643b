"""Sharing: the referral link and tracking links, with a message the partner can change."""

from __future__ import annotations

import html as htmllib
import re
from urllib.parse import parse_qs, urlsplit

from ..factories import LinkFactory, OfferFactory


def share_hrefs(page: str) -> dict[str, str]:
    return {code: htmllib.unescape(href) for href, code in
            re.findall(r'href="([^"]+)" data-share="(\w+)"', page)}


def test_the_referral_link_with_the_default_message(client, db, login_as):
    partner = login_as("partner").partner
    page = client.get("/partner/share").get_data(as_text=True)
    referral = f"http://127.0.0.1:5000/apply?ref={partner.ref}"
    assert f'value="{referral}"' in page
    hrefs = share_hrefs(page)
    assert set(hrefs) == {"email", "x", "linkedin", "whatsapp"}
    assert parse_qs(urlsplit(hrefs["linkedin"]).query) == {"url": [referral]}
    text = parse_qs(urlsplit(hrefs["whatsapp"]).query)["text"][0]
    assert text.startswith("I earn commissions as a partner of") and text.endswith(referral)
    assert 'target="_blank" rel="noopener noreferrer"' in page


def test_a_personal_message_and_one_of_the_partners_links(client, db, login_as):
    partner = login_as("partner").partner
    link = LinkFactory(partner=partner, offer=OfferFactory(name="Trail Shoes"), code="share001")
    db.session.commit()
    message = "My favourite shoes <3 & 10% off"
    page = client.get("/partner/share", query_string={"what": f"link-{link.id}",
                                                      "message": message}).get_data(as_text=True)
    hrefs = share_hrefs(page)
    query = parse_qs(urlsplit(hrefs["x"]).query)
    assert query == {"text": [message], "url": ["http://127.0.0.1:5000/r/share001"]}
    email = parse_qs(urlsplit(hrefs["email"]).query)
    assert email["subject"] == ["Trail Shoes"]
    assert email["body"] == [f"{message}\n\nhttp://127.0.0.1:5000/r/share001"]
    assert "My favourite shoes &lt;3 &amp; 10% off" in page  # escaped in the page


def test_a_too_long_message_is_refused_naming_the_field(client, db, login_as):
    login_as("partner")
    response = client.get("/partner/share", query_string={"message": "x" * 501})
    assert response.status_code == 422
    assert 'id="message-error"' in response.get_data(as_text=True)


def test_inactive_links_are_not_offered(client, db, login_as):
    partner = login_as("partner").partner
    link = LinkFactory(partner=partner, code="offlink1", is_active=False)
    db.session.commit()
    assert "offlink1" not in client.get("/partner/share").get_data(as_text=True)
    assert client.get(f"/partner/share?what=link-{link.id}").status_code == 404
