"""A partner sees only their own data: every partner page and export, walked from the URL
map so new routes are covered. Another partner's ids (and creatives a partner may not use)
give 404; pages without ids never show another partner's data."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from partner_portal.models import EmailChangeToken, LinkStat, MonthlyStanding
from partner_portal.models.base import utcnow
from partner_portal.services import audit, partner_account
from partner_portal.services.program import program_zone

from ..factories import (
    ConversionFactory,
    CreativeFactory,
    DailyStatFactory,
    EarnedCommissionFactory,
    LinkFactory,
    OfferFactory,
    PartnerFactory,
)

# Words that exist only in partner B's data.
B_MARKERS = ("bsecret1", "b-secret-sub", "B-ORDER-SECRET", "b-secret-explanation",
             "partner-b@example.test", "Bea Secret", "7,777", "7777")


@pytest.fixture()
def world(db, login_as):
    me = login_as("partner").partner
    offer = OfferFactory(name="Shared Offer")
    paused = OfferFactory(name="Paused Offer", status="paused")
    mine = LinkFactory(partner=me, offer=offer, code="mine0001", sub1="my-sub")
    EarnedCommissionFactory(partner=me, conversion=ConversionFactory(partner=me, offer=offer))
    usable = CreativeFactory(offer=offer, name="Usable")

    b = PartnerFactory(email="partner-b@example.test", name="Bea Secret")
    b_link = LinkFactory(partner=b, offer=offer, code="bsecret1", sub1="b-secret-sub")
    b_conversion = ConversionFactory(partner=b, offer=offer, order_id="B-ORDER-SECRET")
    b_commission = EarnedCommissionFactory(partner=b, conversion=b_conversion,
                                     explanation="b-secret-explanation", status="approved")
    today = utcnow().astimezone(program_zone()).date()
    DailyStatFactory(partner_id=b.id, offer_id=offer.id, day=today, sub1="b-secret-sub",
                     clicks=7777, unique_clicks=7777, conversions=77, commission=Decimal("777"))
    db.session.add(LinkStat(day=today, link_id=b_link.id, partner_id=b.id, clicks=7777,
                            unique_clicks=7777, conversions=77, commission=Decimal("777")))
    db.session.add(MonthlyStanding(month=today.replace(day=1), partner_id=b.id,
                                   conversions=7777, rank=1, ranked=1, computed_at=utcnow()))
    token = partner_account.request_email_change(
        b.user, "new-b@example.com", now=utcnow(),
        max_age_seconds=3600, actor=audit.Actor.system())
    from partner_portal.models import Statement

    b_statement = Statement(partner_id=b.id, month="2026-10", currency="USD", as_of=utcnow(),
                            opening_balance=Decimal("0"), closing_balance=Decimal("777"),
                            credits=Decimal("777"), debits=Decimal("0"), pending_amount=Decimal("0"),
                            sha256="0" * 64, size=9, pdf=b"%PDF-7777")
    db.session.add(b_statement)
    archived = CreativeFactory(offer=offer, name="Archived", status="archived")
    on_paused_offer = CreativeFactory(offer=paused, name="On a paused offer")
    db.session.commit()
    return {
        "me": me, "mine": mine, "usable": usable,
        "ids": {
            "link_id": [b_link.id],
            "creative_id": [archived.id, on_paused_offer.id, 999_999],
            "token": [token],
            "statement_id": [b_statement.id, 999_999],
        },
        "b_commission": b_commission,
    }


# Route arguments that are not ids: every allowed value is tried.
CHOICES = {"kind": ["svg", "png"], "action": ["activate", "deactivate", "archive"],
           "by": ["offer", "sub1", "day"]}


def _partner_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.rule.startswith("/partner")),
                  key=lambda r: r.rule)


def _urls(rule, ids):
    unknown = set(rule.arguments) - set(ids) - set(CHOICES)
    assert not unknown, f"{rule.rule}: say in this test what another partner's {unknown} is"
    names = sorted(rule.arguments)
    pools = [ids.get(n) or CHOICES[n] for n in names]
    for values in itertools.product(*pools):
        yield rule.build(dict(zip(names, values)), append_unknown=False)[1]


def test_another_partners_ids_give_404_on_every_route(app, client, world):
    checked = 0
    for rule in _partner_rules(app):
        if not set(rule.arguments) & set(world["ids"]):
            continue
        for url in _urls(rule, world["ids"]):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(url, method=method)
                assert response.status_code == 404, f"{method} {url} -> {response.status_code}"
                checked += 1
    assert checked >= 17
    # Nothing of B's changed through those requests.
    from partner_portal.extensions import db
    from partner_portal.models import TrackingLink

    db.session.expire_all()
    assert db.session.get(TrackingLink, world["ids"]["link_id"][0]).is_active is True
    assert db.session.query(EmailChangeToken).one().used_at is None


def test_every_page_and_export_shows_only_the_partners_own_data(app, client, world):
    pages = 0
    for rule in _partner_rules(app):
        if set(rule.arguments) & set(world["ids"]) or "GET" not in rule.methods:
            continue
        for url in _urls(rule, {}):
            for query in ("", "?range=30d", "?status=approved"):
                response = client.get(url + query)
                assert response.status_code in (200, 302), f"{url}{query} -> {response.status_code}"
                body = response.get_data(as_text=True)
                leaked = [m for m in B_MARKERS if m in body]
                assert not leaked, f"{url}{query} shows {leaked}"
                pages += 1
    assert pages >= 40
    # The partner's own data is there (the sweep is not looking at empty pages).
    assert "mine0001" in client.get("/partner/links").get_data(as_text=True)
    assert "my-sub" in client.get("/partner/links.csv").get_data(as_text=True)


def test_the_sweep_covers_the_partner_pages(app):
    endpoints = {r.endpoint for r in _partner_rules(app)}
    assert {"partner.home", "partner.report_csv", "partner.earnings_list", "partner.earnings_csv",
            "partner.links_page", "partner.links_csv", "partner.link_detail", "partner.link_qr",
            "partner.link_toggle", "partner.creatives_page", "partner.creative_detail",
            "partner.creative_image", "partner.creative_download", "partner.share_page",
            "partner.milestones_page", "partner.account_email_confirm"} <= endpoints


def test_ids_in_the_query_string_are_scoped_too(client, world):
    b_link = world["ids"]["link_id"][0]
    usable = world["usable"].id
    assert client.get(f"/partner/creatives/{usable}?link={b_link}").status_code == 404
    assert client.get(f"/partner/share?what=link-{b_link}").status_code == 404
    own = client.get(f"/partner/creatives/{usable}?link={world['mine'].id}")
    assert own.status_code == 200 and "/r/mine0001" in own.get_data(as_text=True)


def test_earnings_filters_cannot_reach_another_partners_commissions(client, world):
    offer_id = world["b_commission"].offer_id
    for query in (f"offer={offer_id}", "status=approved", f"offer={offer_id}&status=approved"):
        for path in ("/partner/earnings", "/partner/earnings.csv"):
            body = client.get(f"{path}?{query}").get_data(as_text=True)
            assert "B-ORDER-SECRET" not in body and "b-secret-explanation" not in body


def test_a_partner_cannot_confirm_another_users_email_change(client, world):
    token = world["ids"]["token"][0]
    assert client.post(f"/partner/account/email/confirm/{token}").status_code == 404
    assert client.get(f"/partner/account/email/confirm/{token}").status_code == 404
    from partner_portal.extensions import db

    db.session.expire_all()
    assert db.session.query(EmailChangeToken).one().used_at is None
