"""With CSRF protection on (as in production): every form on the partner pages and the
creatives and announcements admin pages carries a token, and changes without one are
refused."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from partner_portal.models import Announcement, TrackingLink

from ..factories import AnnouncementFactory, CreativeFactory, LinkFactory, OfferFactory
from ..support import csrf_token_from, sign_in


@pytest.fixture()
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def _post_forms(html: str) -> list[str]:
    return re.findall(r'<form method="post".*?</form>', html, flags=re.S)


def test_partner_forms_carry_a_token_and_changes_need_it(client, db, make_user, csrf_on):
    partner = make_user("partner").partner
    offer = OfferFactory()
    link = LinkFactory(partner=partner, offer=offer)
    CreativeFactory(offer=OfferFactory(name="No link yet"))
    db.session.commit()
    sign_in(client, partner.email)
    for path in ("/partner/links", f"/partner/links/{link.id}", "/partner/creatives",
                 "/partner/account", "/partner/account/2fa"):
        forms = _post_forms(client.get(path).get_data(as_text=True))
        assert forms, path
        for form in forms:
            assert re.search(r'name="([a-z]+-)?csrf_token"', form), f"{path}: {form[:160]}"

    assert client.post("/partner/links", data={"offer_id": str(offer.id), "sub1": "x"}).status_code == 400
    assert client.post(f"/partner/links/{link.id}/deactivate").status_code == 400
    db.session.expire_all()
    assert db.session.get(TrackingLink, link.id).is_active
    assert len(db.session.scalars(select(TrackingLink)).all()) == 1
    token = csrf_token_from(client.get("/partner/links").get_data(as_text=True))
    made = client.post("/partner/links", data={"offer_id": str(offer.id), "sub1": "x",
                                               "csrf_token": token})
    assert made.status_code == 302


def test_admin_creative_and_announcement_forms_carry_a_token(client, db, make_user, csrf_on):
    manager = make_user("manager")
    creative = CreativeFactory()
    item = AnnouncementFactory()
    db.session.commit()
    sign_in(client, manager.email)
    for path in ("/admin/creatives", "/admin/creatives/new/banner", "/admin/creatives/new/social",
                 f"/admin/creatives/{creative.id}", "/admin/announcements",
                 f"/admin/announcements/{item.id}", "/admin/settings/portal"):
        forms = _post_forms(client.get(path).get_data(as_text=True))
        assert forms, path
        for form in forms:
            assert re.search(r'name="([a-z]+-)?csrf_token"', form), f"{path}: {form[:160]}"
    refused = client.post("/admin/announcements", data={"title": "T", "body": "B"})
    assert refused.status_code == 400
    assert db.session.scalar(select(Announcement).where(Announcement.title == "T")) is None
