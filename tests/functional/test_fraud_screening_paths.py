"""Fraud screening on every path a conversion can take, once, and again when the click
behind it is loaded after it (clicks are spooled by the redirect and loaded later)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from partner_portal.extensions import db as _db
from partner_portal.jobs.clicks import drain
from partner_portal.models import AuditEntry, Commission, Conversion, DailyStat, FraudCase, LinkStat
from partner_portal.models.base import utcnow
from partner_portal.services import api_keys, audit, clicks, rollups
from partner_portal.services.fraud import screening

from ..factories import CouponFactory, LinkFactory, OfferFactory, PartnerFactory
from ..support.conversions import click_token, no_errors, race, record, run_threads

BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36"
BOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
SYSTEM = audit.Actor.system("test")


@pytest.fixture()
def shop(app, db):
    offer = OfferFactory(destination_url="https://shop.example.com/landing",
                         allowed_domains="shop.example.com", cookie_window_days=30,
                         default_commission_kind="percent", default_commission_value=Decimal("10"),
                         hold_days=30)
    partner = PartnerFactory(status="approved", signup_ip="198.51.100.77")
    links = [LinkFactory(offer=offer, partner=partner, code=f"shop{i}", sub1=f"banner-{i}")
             for i in range(4)]
    _key, plain = api_keys.create("Shop", actor=SYSTEM, now=utcnow())
    db.session.commit()
    # "Too fast" is anything within the hour here, however slowly the test runs.
    set_rule("fast_conversion", threshold=3600)
    return {"offer": offer, "partner": partner, "links": links,
            "auth": {"Authorization": f"Bearer {plain}"}}


def set_rule(code, *, enabled=True, action=None, threshold=None):
    current = screening.settings()[code]
    screening.update_setting(code, enabled=enabled, action=action or current.action,
                             threshold=current.threshold if threshold is None else threshold,
                             actor=SYSTEM, now=utcnow())
    _db.session.commit()


def visit(client, code, ua=BROWSER_UA, query=""):
    """Follow a tracking link as a visitor: the click is spooled, not yet in the database."""
    response = client.get(f"/r/{code}{query}", headers={"User-Agent": ua})
    assert response.status_code == 302
    return parse_qs(urlsplit(response.headers["Location"]).query)["click_id"][0]


def report(client, shop, order_id, click_id, amount="80.00"):
    response = client.post("/api/v1/conversions", headers=shop["auth"],
                           json={"order_id": order_id, "amount": amount, "currency": "USD",
                                 "click_id": click_id})
    assert response.status_code in (200, 201), response.json
    return response.json


def outcome(order_id):
    """What screening left behind for an order: its cases and its commissions."""
    _db.session.expire_all()
    conversion = _db.session.scalar(select(Conversion).where(Conversion.order_id == order_id))
    # (How many seconds the conversion came after its click depends on how fast the test ran.)
    cases = sorted((c.rule, c.action, c.summary, c.evidence, c.status)
                   if c.rule != "fast_conversion" else (c.rule, c.action, c.status)
                   for c in _db.session.scalars(
                       select(FraudCase).where(FraudCase.conversion_id == conversion.id)))
    commissions = [(c.kind, c.status, c.status_reason) for c in _db.session.scalars(
        select(Commission).where(Commission.conversion_id == conversion.id).order_by(Commission.id))]
    audited = sorted(a.action for a in _db.session.scalars(select(AuditEntry).where(
        AuditEntry.actor_label.like("fraud rule:%"),
        AuditEntry.subject_id.in_([str(conversion.id)] + [str(c.id) for c in _db.session.scalars(
            select(Commission).where(Commission.conversion_id == conversion.id))]))))
    return cases, commissions, audited


# --- every path screens, once ----------------------------------------------------------

def test_a_conversion_recorded_through_the_use_case_is_screened(app, shop):
    """The demo, the CLI and the integrations call the use case directly, not the API."""
    now = utcnow()
    token = click_token(shop["partner"], shop["offer"], now - timedelta(seconds=3),
                        shop["links"][0].id)
    result = record(shop["offer"], "DIRECT-1", "80.00", now=now, click_token=token)
    assert result.created
    cases, commissions, audited = outcome("DIRECT-1")
    assert [c[:2] for c in cases] == [("fast_conversion", "hold")]
    assert commissions[0][1] == "hold"
    assert "commission.hold" in audited and "fraud_case.open" in audited


def test_a_replayed_order_is_not_screened_again(app, client, shop):
    token = click_token(shop["partner"], shop["offer"], utcnow() - timedelta(seconds=2),
                        shop["links"][0].id)
    first = report(client, shop, "REPLAY-1", token)
    again = report(client, shop, "REPLAY-1", token)
    assert again == first
    record(shop["offer"], "REPLAY-1", "80.00", click_token=token, now=utcnow())  # the use case
    assert _db.session.scalar(select(func.count()).select_from(FraudCase)) == 1
    assert [c[:2] for c in outcome("REPLAY-1")[0]] == [("fast_conversion", "hold")]


def test_postback_conversions_are_screened(app, client, shop):
    token = click_token(shop["partner"], shop["offer"], utcnow() - timedelta(seconds=1),
                        shop["links"][0].id)
    plain = shop["auth"]["Authorization"].split()[1]
    response = client.get("/postback", query_string={"click_id": token, "order_id": "PB-1",
                                                     "amount": "10.00", "currency": "USD",
                                                     "token": plain})
    assert response.status_code == 201
    assert response.json["commissions"][0]["status"] == "hold"
    assert [c[:2] for c in outcome("PB-1")[0]] == [("fast_conversion", "hold")]


# --- the click arrives after the conversion ----------------------------------------------

SCENARIOS = {
    # rule switched on for the test, the visitor, and what the program asks for
    "bot": dict(rules={"bot_click": "hold"}, ua=BOT_UA, query=""),
    "paid search": dict(rules={"paid_search": "reject"}, ua=BROWSER_UA, query="?gclid=abc"),
    # a hold when the conversion arrives (too fast), a rejection when its click does
    "hold then reject": dict(rules={"fast_conversion": "hold", "paid_search": "reject"},
                             ua=BROWSER_UA, query="?gclid=abc"),
    "self-referral": dict(rules={"self_referral": "hold"}, ua=BROWSER_UA, query="",
                          ip="198.51.100.77"),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_both_orders_give_the_same_case(app, client, shop, name):
    scenario = SCENARIOS[name]
    for code in screening.REGISTRY:
        if code not in scenario["rules"]:
            set_rule(code, enabled=False)
    for code, action in scenario["rules"].items():
        set_rule(code, action=action)
    shop["offer"].paid_search_allowed = False
    _db.session.commit()
    environ = {"REMOTE_ADDR": scenario.get("ip", "203.0.113.9")}

    # The click is loaded first, then the conversion arrives.
    token = client.get(f"/r/shop0{scenario['query']}", headers={"User-Agent": scenario["ua"]},
                       environ_base=environ)
    token = parse_qs(urlsplit(token.headers["Location"]).query)["click_id"][0]
    assert drain(wait_for_settle=True).stored == 1
    report(client, shop, "FIRST-CLICK", token)

    # The conversion arrives first (a fast one beats the loader), then the click is loaded.
    late = client.get(f"/r/shop1{scenario['query']}", headers={"User-Agent": scenario["ua"]},
                      environ_base=environ)
    late = parse_qs(urlsplit(late.headers["Location"]).query)["click_id"][0]
    report(client, shop, "FIRST-CONVERSION", late)
    early_cases = outcome("FIRST-CONVERSION")[0]
    assert drain(wait_for_settle=True).linked == 1

    click_first, conversion_first = outcome("FIRST-CLICK"), outcome("FIRST-CONVERSION")
    assert click_first[:2] == conversion_first[:2]  # the same cases, the same commissions
    cases, commissions, audited = conversion_first
    assert {c[0] for c in cases} == set(scenario["rules"])
    assert len(cases) > len(early_cases)  # the click's rules fired when it was loaded
    expected = "rejected" if "reject" in scenario["rules"].values() else "hold"
    assert {status for _kind, status, _reason in commissions} == {expected}
    for trail in (click_first[2], audited):  # each case opened, the decision taken, audited
        assert trail.count("fraud_case.open") == len(cases)
        assert f"commission.{'reject' if expected == 'rejected' else 'hold'}" in trail

    # Exactly once: more clicks, more loads, another run of the linker change nothing.
    visit(client, "shop2", scenario["ua"], scenario["query"])
    assert drain(wait_for_settle=True).linked == 0
    assert clicks.link_arrived_clicks(now=utcnow()) == 0
    _db.session.commit()
    assert outcome("FIRST-CONVERSION") == conversion_first


def test_a_conversion_waiting_for_its_click_is_screened_once_by_parallel_loaders(app, client, shop):
    set_rule("fast_conversion", enabled=False)
    token = visit(client, "shop0", BOT_UA)
    report(client, shop, "PARALLEL-1", token)
    spool = app.extensions["pp_click_spool"]
    records, _ = spool.read(spool.rotate())
    clicks.ingest(records)
    _db.session.commit()

    results = race(app, 20, lambda i: clicks.link_arrived_clicks(now=utcnow()))
    no_errors(results)
    assert sum(results) == 1
    cases, commissions, _audited = outcome("PARALLEL-1")
    assert [c[:2] for c in cases] == [("bot_click", "hold")]
    assert [status for _kind, status, _reason in commissions] == ["hold"]


def test_conversions_reported_while_their_clicks_load_are_each_screened_once(app, client, shop):
    """20 conversions reported from parallel requests while the loader loads their clicks:
    whichever comes first, each ends up linked to its click with one case, once the loader
    has run again (a conversion still uncommitted while its click loaded is caught then)."""
    set_rule("fast_conversion", enabled=False)
    tokens = [visit(client, f"shop{i % 4}", BOT_UA) for i in range(20)]
    results: list = [None] * 21

    def work(i):
        if i == 20:
            with app.app_context():
                try:
                    results[i] = drain(wait_for_settle=True)
                except Exception as exc:  # returned to the test, which asserts there are none
                    results[i] = exc
                finally:
                    _db.session.remove()
            return
        with app.test_client() as own:
            results[i] = own.post("/api/v1/conversions", headers=shop["auth"], json={
                "order_id": f"RACE-{i}", "amount": "20.00", "currency": "USD",
                "click_id": tokens[i]}).status_code

    run_threads(21, work)
    no_errors(results)
    assert results[:20] == [201] * 20
    visit(client, "shop0")  # one more click, so the loader runs again
    drain(wait_for_settle=True)
    _db.session.expire_all()
    conversions = _db.session.scalars(select(Conversion).where(
        Conversion.order_id.like("RACE-%"))).all()
    assert len(conversions) == 20 and all(c.click_row_id for c in conversions)
    cases = _db.session.execute(select(FraudCase.conversion_id, func.count()).group_by(
        FraudCase.conversion_id)).all()
    assert sorted(n for _c, n in cases) == [1] * 20
    assert {c.status for c in _db.session.scalars(select(Commission))} == {"hold"}


def test_a_late_click_moves_the_conversion_to_its_sub_id_as_a_rebuild_would(app, client, shop):
    set_rule("fast_conversion", enabled=False)
    token = visit(client, "shop3")
    report(client, shop, "SUB-1", token, amount="120.00")
    assert drain(wait_for_settle=True).linked == 1
    _db.session.expire_all()

    def kept():
        daily = sorted((s.day, s.sub1, s.clicks, s.conversions, s.revenue, s.commission)
                       for s in _db.session.scalars(select(DailyStat)) if s.clicks or s.conversions
                       or s.revenue or s.commission)
        links = sorted((s.day, s.link_id, s.clicks, s.conversions, s.commission)
                       for s in _db.session.scalars(select(LinkStat)))
        return daily, links

    live = kept()
    assert [(row[1], row[3]) for row in live[0]] == [("banner-3", 1)]
    assert live[1][0][1:] == (shop["links"][3].id, 1, 1, Decimal("12.00"))
    rollups.rebuild()
    _db.session.commit()
    assert kept() == live


def test_a_conversion_credited_by_coupon_is_not_linked_to_a_click(app, client, shop):
    """Last touch wins: a coupon used at checkout after a click credits the coupon's partner;
    the click the report also carried is not the conversion's, and stays unlinked."""
    coupon_owner = PartnerFactory(status="approved")
    CouponFactory(partner=coupon_owner, offer_id=shop["offer"].id, code="SAVE10")
    _db.session.commit()
    token = visit(client, "shop0", BOT_UA)
    response = client.post("/api/v1/conversions", headers=shop["auth"],
                           json={"order_id": "COUPON-1", "amount": "10.00", "currency": "USD",
                                 "click_id": token, "coupon_code": "save10"})
    assert response.status_code == 201, response.json
    assert response.json["partner_id"] == coupon_owner.id
    assert drain(wait_for_settle=True).linked == 0
    conversion = _db.session.scalar(select(Conversion).where(Conversion.order_id == "COUPON-1"))
    assert conversion.click_row_id is None
