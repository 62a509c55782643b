"""The link builder: short links on active offers, deep links kept to the offer's domains,
sub-IDs, QR codes, turning links off, and each link's own figures."""

from __future__ import annotations

import csv
import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from partner_portal.models import AuditEntry, TrackingLink
from partner_portal.services import link_builder

from ..factories import LinkFactory, OfferFactory


@pytest.fixture()
def partner(login_as):
    return login_as("partner").partner


@pytest.fixture()
def offer(db):
    offer = OfferFactory(name="Trail Shoes", destination_url="https://shop.example.com/run",
                         allowed_domains="blog.example.com\n*.cdn.example.net")
    db.session.commit()
    return offer


def test_a_link_for_an_offer_with_a_deep_link_and_sub_ids(client, db, partner, offer):
    response = client.post("/partner/links", data={
        "offer_id": str(offer.id), "url": "https://blog.example.com/trail-guide?x=1",
        "sub1": "instagram", "sub3": "spring"})
    link = db.session.scalar(select(TrackingLink))
    assert response.headers["Location"] == f"/partner/links/{link.id}"
    assert re.fullmatch(f"[{link_builder.CODE_ALPHABET}]{{8}}", link.code)
    assert (link.partner_id, link.offer_id, link.sub1, link.sub2, link.sub3) == \
        (partner.id, offer.id, "instagram", None, "spring")
    assert link.deep_link_url == "https://blog.example.com/trail-guide?x=1"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"http://127.0.0.1:5000/r/{link.code}" in page and "Your link is ready." in page
    audit = db.session.scalar(select(AuditEntry))
    assert audit.action == "link.create" and audit.after["code"] == link.code

    # The link works: the click goes to the deep link.
    click = client.get(f"/r/{link.code}")
    assert click.status_code == 302
    assert click.headers["Location"].startswith("https://blog.example.com/trail-guide?x=1&")


@pytest.mark.parametrize("url", [
    "https://evil.example.com/",
    "https://shop.example.com.evil.com/",
    "https://a@evil.example.com/",
    "//evil.example.com/",
    "javascript:alert(1)",
    "https://blog.example.com/\r\nLocation: https://evil.example.com",
    "shop.example.com/run",
    "ftp://shop.example.com/file",
])
def test_a_deep_link_off_the_offers_domains_is_refused_naming_the_field(client, db, partner,
                                                                        offer, url):
    response = client.post("/partner/links", data={"offer_id": str(offer.id), "url": url})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="url-error"' in html
    assert "blog.example.com, shop.example.com" in html
    assert db.session.scalar(select(TrackingLink)) is None


def test_allowed_subdomains_and_the_offers_own_host(client, db, partner, offer):
    for url in ("https://img.cdn.example.net/x", "https://shop.example.com/other"):
        response = client.post("/partner/links", data={"offer_id": str(offer.id), "url": url})
        assert response.status_code == 302, url


@pytest.mark.parametrize("data, field, message", [
    ({"offer_id": ""}, "offer_id", "Choose an offer."),
    ({"offer_id": "999"}, "offer_id", "Not a valid choice."),
    ({"sub1": "x" * 101}, "sub1", "Field cannot be longer than 100 characters."),
    ({"sub2": "tab\there"}, "sub2", "sub2 cannot contain control characters."),
])
def test_bad_input_names_the_field(client, db, partner, offer, data, field, message):
    form = {"offer_id": str(offer.id), **data}
    response = client.post("/partner/links", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(rf'id="{field}-error"[^>]*>[^<]*{re.escape(message)}', html), html[:200]


def test_a_paused_offer_is_not_offered(client, db, partner):
    paused = OfferFactory(name="Winter Sale", status="paused")
    db.session.commit()
    assert "Winter Sale" not in client.get("/partner/links").get_data(as_text=True)
    response = client.post("/partner/links", data={"offer_id": str(paused.id)})
    assert response.status_code == 422


def test_the_same_link_twice_gives_the_existing_one(client, db, partner, offer):
    first = client.post("/partner/links", data={"offer_id": str(offer.id), "sub1": "blog"})
    second = client.post("/partner/links", data={"offer_id": str(offer.id), "sub1": " blog "})
    assert first.headers["Location"] == second.headers["Location"]
    assert "You already have this link" in client.get(second.headers["Location"]).get_data(as_text=True)
    other = client.post("/partner/links", data={"offer_id": str(offer.id), "sub1": "video"})
    assert other.headers["Location"] != first.headers["Location"]
    assert len(db.session.scalars(select(TrackingLink)).all()) == 2


def test_qr_codes_as_svg_and_png(client, db, partner, offer):
    link = LinkFactory(partner=partner, offer=offer, code="qrcode01")
    db.session.commit()
    svg = client.get(f"/partner/links/{link.id}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and svg.data.lstrip().startswith(b"<?xml")
    assert b"<script" not in svg.data and b"http://127.0.0.1:5000/r/qrcode01" in svg.data
    png = client.get(f"/partner/links/{link.id}/qr.png?download=1")
    assert png.mimetype == "image/png"
    assert png.headers["Content-Disposition"] == 'attachment; filename="link-qrcode01.png"'
    image = Image.open(io.BytesIO(png.data))
    assert image.size[0] == image.size[1] > 200
    assert client.get(f"/partner/links/{link.id}/qr.gif").status_code == 404


def test_turning_a_link_off_and_on(client, db, partner, offer):
    link = LinkFactory(partner=partner, offer=offer, code="toggle01")
    db.session.commit()
    assert client.get("/r/toggle01").status_code == 302
    client.post(f"/partner/links/{link.id}/deactivate")
    db.session.refresh(link)
    assert link.is_active is False
    assert client.get("/r/toggle01").status_code == 404
    client.post(f"/partner/links/{link.id}/activate")
    db.session.refresh(link)
    assert link.is_active is True
    actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["link.deactivate", "link.activate"]


def test_each_link_shows_its_own_clicks_and_conversions(app, client, db, partner, offer):
    """Two links on the same offer and sub1: the link rollup keeps their figures apart."""
    from partner_portal.models.base import utcnow
    from partner_portal.services.clickids import codec_for
    from partner_portal.services.clicks import ingest

    a = LinkFactory(partner=partner, offer=offer, code="aaaaaaaa", sub1="same")
    b = LinkFactory(partner=partner, offer=offer, code="bbbbbbbb", sub1="same",
                    deep_link_url="https://blog.example.com/b")
    db.session.commit()
    codec = codec_for(app.config)
    now = utcnow()
    records = [{"t": codec.encode(partner.id, offer.id, link.id, now), "l": link.id,
                "p": partner.id, "o": offer.id, "ts": now.timestamp(), "ua": "Mozilla/5.0",
                "sub1": "same"} for link in [a] * 3 + [b] * 5]
    assert ingest(records) == 8
    db.session.commit()
    html = client.get("/partner/links").get_data(as_text=True)
    row_a = re.search(r"/r/aaaaaaaa.*?</tr>", html, re.S).group(0)
    row_b = re.search(r"/r/bbbbbbbb.*?</tr>", html, re.S).group(0)
    assert re.search(r'class="num">3<', row_a) and re.search(r'class="num">5<', row_b)
    rows = list(csv.DictReader(io.StringIO(
        client.get("/partner/links.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert {r["Link"].rsplit("/", 1)[1]: r["Clicks (30 days)"] for r in rows} == \
        {"aaaaaaaa": "3", "bbbbbbbb": "5"}
    assert client.get(f"/partner/links/{b.id}").status_code == 200
