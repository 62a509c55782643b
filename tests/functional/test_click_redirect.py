"""GET /r/<code>: the redirect, the click id, the cookie, deep links and the spool."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from partner_portal.jobs.clicks import drain
from partner_portal.models import Click, DailyStat
from partner_portal.services.clickids import codec_for

from ..factories import LinkFactory, OfferFactory, PartnerFactory

BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36"


@pytest.fixture()
def link(db):
    offer = OfferFactory(destination_url="https://shop.example.com/landing?src=aff",
                         allowed_domains="shop.example.com\nblog.example.com\n*.cdn-shop.example",
                         cookie_window_days=30)
    link = LinkFactory(offer=offer, partner=PartnerFactory(status="approved"), code="abc123")
    db.session.commit()
    return link


def follow(client, path, **headers):
    headers.setdefault("User-Agent", BROWSER_UA)
    return client.get(path, headers=headers)


def query(response):
    return parse_qs(urlsplit(response.headers["Location"]).query)


def test_redirects_to_the_offer_with_a_signed_click_id(app, client, link):
    response = follow(client, "/r/abc123")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("https", "shop.example.com", "/landing")
    params = query(response)
    assert params["src"] == ["aff"]  # the destination's own query is kept
    claims = codec_for(app.config).decode(params["click_id"][0])
    assert (claims.partner_id, claims.offer_id, claims.link_id) == (link.partner_id, link.offer_id, link.id)


def test_sets_a_first_party_attribution_cookie(app, client, link):
    response = follow(client, "/r/abc123")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("pp_click="))
    token = query(response)["click_id"][0]
    assert f"pp_click={token}" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert f"Max-Age={30 * 86400}" in cookie
    assert "Secure" not in cookie  # development; production sets SESSION_COOKIE_SECURE


def test_sub_ids_pass_through_and_are_recorded(app, client, link, db):
    response = follow(client, "/r/abc123?sub1=newsletter&sub3=nov%20promo&sub9=ignored")
    params = query(response)
    assert params["sub1"] == ["newsletter"] and params["sub3"] == ["nov promo"]
    assert "sub9" not in params
    drain(wait_for_settle=True)
    click = db.session.scalar(select(Click))
    assert (click.sub1, click.sub3, click.sub2) == ("newsletter", "nov promo", None)


@pytest.mark.parametrize("deep, expected_host", [
    ("https://blog.example.com/review?x=1", "blog.example.com"),
    ("https://shop.example.com/p/42", "shop.example.com"),
    ("https://img.cdn-shop.example/banner", "img.cdn-shop.example"),
])
def test_deep_links_inside_the_allowed_domains_are_followed(client, link, deep, expected_host):
    from urllib.parse import quote

    response = follow(client, f"/r/abc123?url={quote(deep, safe='')}")
    assert urlsplit(response.headers["Location"]).hostname == expected_host
    assert "click_id" in query(response)


OPEN_REDIRECTS = [
    "//evil.example/", "https://evil.example/", "http://evil.example", "https://a@evil.example/",
    "https://shop.example.com@evil.example/", "\\\\evil.example", "/\\evil.example",
    "https:\\\\evil.example", "https://evil.example\\@shop.example.com/",
    "https://shop.example.com.evil.example/", "https://evilshop.example.com/",
    "javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "ftp://shop.example.com/",
    "https://shop.example.com/\r\nSet-Cookie: x=1", "https://shop.example.com%0d%0aLocation:%20https://evil.example",
    "https://evil.example%2F@shop.example.com", "https://evil.example#@shop.example.com",
    "https://%65vil.example/", "https://shop.example.com:99999/", "https://[::1]/", "https://127.0.0.1/",
    "https://xn--shp-cdn-shop-ul8a.example/", "https:/evil.example", " https://evil.example",
]


@pytest.mark.parametrize("evil", OPEN_REDIRECTS)
def test_never_redirects_off_the_allowed_domains(client, link, evil):
    from urllib.parse import quote

    for raw in (quote(evil, safe=""), evil.replace("&", "%26").replace("#", "%23")):
        response = follow(client, f"/r/abc123?url={raw}")
        assert response.status_code == 302
        location = response.headers["Location"]
        assert "\r" not in location and "\n" not in location
        host = urlsplit(location).hostname
        assert host == "shop.example.com", (evil, location)


def test_crlf_in_any_parameter_cannot_split_headers(client, link):
    response = follow(client, "/r/abc123?sub1=a%0d%0aSet-Cookie:%20pwn=1&sub2=%0aX-Evil:%201")
    assert response.status_code == 302
    assert not any(h.lower().startswith("pwn") for h in response.headers.getlist("Set-Cookie"))
    assert "X-Evil" not in response.headers
    assert "\n" not in response.headers["Location"]


@pytest.mark.parametrize("code", ["nope", "x" * 40, "abc123%00", "ABC123"])
def test_unknown_links_are_a_404_page(client, link, code):
    response = follow(client, f"/r/{code}")
    assert response.status_code == 404
    assert "This link is not active" in response.get_data(as_text=True)


def test_pausing_the_offer_takes_effect_at_once(client, link, db):
    assert follow(client, "/r/abc123").status_code == 302  # now cached in this worker
    link.offer.status = "paused"
    db.session.commit()
    assert follow(client, "/r/abc123").status_code == 404


def test_suspended_partner_goes_to_the_plain_offer_without_attribution(client, link, db):
    link.partner.status = "suspended"
    db.session.commit()
    response = follow(client, "/r/abc123?sub1=x")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://shop.example.com/landing?src=aff"
    assert not any(c.startswith("pp_click=") for c in response.headers.getlist("Set-Cookie"))
    drain(wait_for_settle=True)
    assert db.session.scalar(select(func.count()).select_from(Click)) == 0


@pytest.mark.parametrize("status", ["applied", "rejected", "banned"])
def test_links_of_partners_who_are_not_approved_are_dead(client, link, db, status):
    link.partner.status = status
    db.session.commit()
    assert follow(client, "/r/abc123").status_code == 404


def test_deactivated_link_is_a_404(client, link, db):
    link.is_active = False
    db.session.commit()
    assert follow(client, "/r/abc123").status_code == 404


def test_clicks_reach_the_database_and_the_rollups(client, link, db):
    for _ in range(3):
        follow(client, "/r/abc123?sub1=sidebar")
    follow(client, "/r/abc123", **{"User-Agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"})
    follow(client, "/r/abc123", **{"Sec-Purpose": "prefetch;prerender"})
    result = drain(wait_for_settle=True)
    assert result.stored == 5
    clicks = db.session.scalars(select(Click).order_by(Click.id)).all()
    assert [c.is_bot for c in clicks] == [False, False, False, True, True]
    assert [c.is_unique for c in clicks][:3] == [True, False, False]  # the same browser again
    stats = db.session.scalars(select(DailyStat)).all()
    assert sum(s.clicks for s in stats) == 3
    assert sum(s.bot_clicks for s in stats) == 2
    assert sum(s.unique_clicks for s in stats) == 1
    assert {s.sub1 for s in stats if s.clicks} == {"sidebar"}


def test_loading_a_segment_twice_counts_each_click_once(app, client, link, db):
    follow(client, "/r/abc123")
    spool = app.extensions["pp_click_spool"]
    segment = spool.rotate()
    records, _ = spool.read(segment)
    from partner_portal.services import clicks

    assert clicks.ingest(records) == 1
    db.session.commit()
    assert clicks.ingest(records) == 0  # a crash between commit and delete, then a rerun
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Click)) == 1
    assert db.session.scalar(select(func.sum(DailyStat.clicks))) == 1


def test_rollup_rebuild_matches_what_was_kept_current(app, client, link, db):
    for i in range(4):
        follow(client, f"/r/abc123?sub1=s{i % 2}")
    drain(wait_for_settle=True)
    live = sorted((s.day, s.sub1, s.clicks, s.unique_clicks) for s in db.session.scalars(select(DailyStat)))
    from partner_portal.services import rollups

    rollups.rebuild()
    db.session.commit()
    rebuilt = sorted((s.day, s.sub1, s.clicks, s.unique_clicks) for s in db.session.scalars(select(DailyStat)))
    assert live == rebuilt


def test_a_full_click_cap_sends_visitors_to_the_fallback_url(client, link, db):
    from ..factories import CapFactory

    link.offer.fallback_url = "https://shop.example.com/sold-out"
    CapFactory(offer=link.offer, metric="clicks", period="day", limit_value=2,
               caps_conversions=False, redirects_clicks=True)
    db.session.commit()
    hosts = [urlsplit(follow(client, "/r/abc123").headers["Location"]).path for _ in range(4)]
    assert hosts == ["/landing", "/landing", "/sold-out", "/sold-out"]
    drain(wait_for_settle=True)
    assert db.session.scalar(select(func.count()).select_from(Click)) == 2


def test_offers_limited_to_groups_are_dead_for_other_partners(client, link, db):
    from ..factories import GroupFactory

    vip = GroupFactory(name="VIP")
    link.offer.groups.append(vip)
    db.session.commit()
    assert follow(client, "/r/abc123").status_code == 404
    link.partner.group = vip
    db.session.commit()
    assert follow(client, "/r/abc123").status_code == 302


def test_the_cookie_lasts_the_groups_own_window(client, link, db):
    from partner_portal.models.offers import OfferWindow

    from ..factories import GroupFactory

    group = GroupFactory(name="Creators")
    link.partner.group = group
    db.session.add(OfferWindow(offer_id=link.offer.id, group_id=group.id, cookie_window_days=90))
    db.session.commit()
    cookie = next(c for c in follow(client, "/r/abc123").headers.getlist("Set-Cookie")
                  if c.startswith("pp_click="))
    assert f"Max-Age={90 * 86400}" in cookie
