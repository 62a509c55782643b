"""POST /api/v1/conversions, the refund endpoint and GET /postback, as the contract says."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from partner_portal.models import Commission, Conversion, FraudCase
from partner_portal.models.base import utcnow
from partner_portal.services import api_keys, audit

from ..factories import CouponFactory, LinkFactory, OfferFactory, PartnerFactory
from ..support.conversions import no_errors, parallel_requests


@pytest.fixture()
def setup(app, db):
    offer = OfferFactory(cookie_window_days=30, default_commission_kind="percent",
                         default_commission_value=Decimal("10"), hold_days=30)
    partner = PartnerFactory(status="approved")
    link = LinkFactory(offer=offer, partner=partner)
    _key, plain = api_keys.create("Shop", actor=audit.Actor.system("test"), now=utcnow())
    db.session.commit()
    codec = app.extensions["pp_click_codec"]
    return {"offer": offer, "partner": partner, "link": link, "key": plain, "codec": codec,
            "auth": {"Authorization": f"Bearer {plain}"}}


def click_id(s, *, ago=timedelta(hours=2)):
    return s["codec"].encode(s["partner"].id, s["offer"].id, s["link"].id, utcnow() - ago)


def post(client, s, body):
    return client.post("/api/v1/conversions", json=body, headers=s["auth"])


def count(db, model=Conversion):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_then_replay_returns_the_same_body(client, db, setup):
    body = {"order_id": "A-1", "amount": "120.00", "currency": "USD", "click_id": click_id(setup)}
    first = post(client, setup, body)
    assert first.status_code == 201, first.json
    assert first.json["status"] == "attributed"
    assert first.json["partner_ref"] == setup["partner"].ref
    [commission] = first.json["commissions"]
    assert commission["amount"] == "12.00" and commission["status"] == "pending"
    assert "10% of $120.00" in commission["explanation"]
    again = post(client, setup, body)
    assert again.status_code == 200 and again.json == first.json
    assert count(db) == 1 and count(db, Commission) == 1


def test_fifty_parallel_retries_make_one_conversion(app, db, setup):
    body = {"order_id": "RACE-1", "amount": "50.00", "currency": "USD", "click_id": click_id(setup)}
    statuses = parallel_requests(app, 50, lambda c: post(c, setup, body).status_code)
    no_errors(statuses)
    assert sorted(statuses) == [200] * 49 + [201]
    assert count(db) == 1 and count(db, Commission) == 1


@pytest.mark.parametrize("body, field, status", [
    ({"amount": "1", "currency": "USD", "partner_ref": "x"}, "order_id", 422),
    ({"order_id": "o", "currency": "USD", "partner_ref": "x"}, "amount", 422),
    ({"order_id": "o", "amount": "abc", "currency": "USD", "click_id": None}, "click_id", 422),
    ({"order_id": "o", "amount": "1", "partner_ref": "x"}, "currency", 422),
    ({"order_id": "o", "amount": "1", "currency": "USD"}, "click_id", 422),
    ({"order_id": "o", "amount": "1", "currency": "USD", "click_id": "forged.token"}, "click_id", 422),
    ({"order_id": "o", "amount": "1", "currency": "USD", "partner_ref": "nobody"}, "partner_ref", 422),
    ({"order_id": "o", "amount": "-5", "currency": "USD", "click_id": "CLICK"}, "amount", 422),
    ({"order_id": "o", "amount": "1.234", "currency": "USD", "click_id": "CLICK"}, "amount", 422),
    ({"order_id": "o", "amount": "1", "currency": "EUR", "click_id": "CLICK"}, "currency", 422),
    ({"order_id": "o", "amount": "1", "currency": "USD", "click_id": "CLICK", "event": "party"}, "event", 422),
    ({"order_id": "o", "amount": "1", "currency": "USD", "click_id": "CLICK", "occurred_at": "yesterday"},
     "occurred_at", 422),
    ({"order_id": "o", "amount": "1", "currency": "USD", "click_id": "CLICK", "occurred_at": "2026-01-01T10:00:00"},
     "occurred_at", 422),
    ({"order_id": "o", "amount": "1", "currency": "USD", "click_id": "CLICK", "offer_id": 999999}, "offer_id", 404),
    ({"order_id": "x" * 200, "amount": "1", "currency": "USD", "click_id": "CLICK"}, "order_id", 422),
])
def test_bad_input_is_a_problem_naming_the_field_and_stores_nothing(client, db, setup, body, field, status):
    body = {k: (click_id(setup) if v == "CLICK" else v) for k, v in body.items()}
    response = post(client, setup, body)
    assert response.status_code == status, response.json
    assert response.mimetype == "application/problem+json"
    assert response.json["field"] == field
    assert count(db) == 0


def test_a_body_that_is_not_json_is_400(client, setup):
    response = client.post("/api/v1/conversions", data="order_id=1", headers=setup["auth"])
    assert response.status_code == 400 and response.json["field"] == "body"


def test_a_click_outside_the_cookie_window_is_recorded_unattributed(client, db, setup):
    response = post(client, setup, {"order_id": "OLD-1", "amount": "10.00", "currency": "USD",
                                    "click_id": click_id(setup, ago=timedelta(days=45))})
    assert response.status_code == 201
    assert response.json["status"] == "unattributed"
    assert "cookie window" in response.json["status_reason"]
    assert response.json["commissions"] == []


def test_coupon_code_and_partner_ref_attribute_too(client, db, setup):
    CouponFactory(partner=setup["partner"], code="SAVE10")
    db.session.commit()
    by_coupon = post(client, setup, {"order_id": "C-1", "amount": "20.00", "currency": "USD",
                                     "coupon_code": "save10", "offer_id": setup["offer"].id})
    assert by_coupon.status_code == 201 and by_coupon.json["partner_id"] == setup["partner"].id
    by_ref = post(client, setup, {"order_id": "R-1", "amount": "20.00", "currency": "USD",
                                  "partner_ref": setup["partner"].ref.upper(),
                                  "offer_id": setup["offer"].id})
    assert by_ref.status_code == 201 and by_ref.json["status"] == "attributed"


def test_refund_endpoint_full_and_partial(client, db, setup):
    post(client, setup, {"order_id": "F-1", "amount": "100.00", "currency": "USD", "click_id": click_id(setup)})
    partial = client.post("/api/v1/conversions/F-1/refund", json={"amount": "40.00"}, headers=setup["auth"])
    assert partial.status_code == 200, partial.json
    assert partial.json["refunded_amount"] == "40.00"
    too_much = client.post("/api/v1/conversions/F-1/refund", json={"amount": "70.00"}, headers=setup["auth"])
    assert too_much.status_code == 422 and too_much.json["field"] == "amount"
    full = client.post("/api/v1/conversions/F-1/refund", headers=setup["auth"])
    assert full.status_code == 200 and full.json["refunded_amount"] == "100.00"
    missing = client.post("/api/v1/conversions/NOPE/refund", headers=setup["auth"])
    assert missing.status_code == 404 and missing.json["field"] == "order_id"


def test_postback_has_the_same_semantics(client, db, setup):
    token = click_id(setup)
    query = f"click_id={token}&order_id=PB-1&amount=30.00&currency=USD"
    assert client.get(f"/postback?{query}").status_code == 401
    assert client.get(f"/postback?{query}&token=pp_wrong").status_code == 401
    first = client.get(f"/postback?{query}&token={setup['key']}")
    assert first.status_code == 201 and first.json["order_id"] == "PB-1"
    assert client.get(f"/postback?{query}&token={setup['key']}").status_code == 200
    bad = client.get(f"/postback?click_id={token}&order_id=PB-2&amount=x&currency=USD&token={setup['key']}")
    assert bad.status_code == 422 and bad.json["field"] == "amount"
    assert count(db) == 1


def test_fraud_rules_screen_conversions_from_the_api(client, db, setup):
    response = post(client, setup, {"order_id": "FAST-1", "amount": "80.00", "currency": "USD",
                                    "click_id": click_id(setup, ago=timedelta(seconds=3))})
    assert response.status_code == 201
    assert response.json["commissions"][0]["status"] == "hold"
    db.session.rollback()
    assert db.session.scalar(select(FraudCase.rule)) == "fast_conversion"


def test_conversions_and_refunds_keep_the_rollups_equal_to_a_rebuild(client, db, setup):
    from partner_portal.models import DailyStat
    from partner_portal.services import rollups

    post(client, setup, {"order_id": "RU-1", "amount": "100.00", "currency": "USD", "click_id": click_id(setup)})
    post(client, setup, {"order_id": "RU-2", "amount": "50.00", "currency": "USD", "click_id": click_id(setup)})
    client.post("/api/v1/conversions/RU-1/refund", json={"amount": "30.00"}, headers=setup["auth"])
    client.post("/api/v1/conversions/RU-2/refund", headers=setup["auth"])
    db.session.rollback()

    def snapshot():
        return sorted((s.day, s.partner_id, s.sub1, s.conversions, s.revenue, s.commission)
                      for s in db.session.scalars(select(DailyStat)) if s.conversions or s.revenue or s.commission)

    live = snapshot()
    assert sum(row[3] for row in live) == 2
    assert sum(row[4] for row in live) == Decimal("70.00")  # 100 − 30 + 50 − 50
    rollups.rebuild()
    db.session.commit()
    assert snapshot() == live


def test_a_pending_sale_refunded_in_two_halves_leaves_no_commission_in_the_reports(client, db, setup):
    from partner_portal.services import rollups

    post(client, setup, {"order_id": "HALF-1", "amount": "100.00", "currency": "USD",
                         "click_id": click_id(setup)})
    for _ in range(2):
        answer = client.post("/api/v1/conversions/HALF-1/refund", json={"amount": "50.00"},
                             headers=setup["auth"])
        assert answer.status_code == 200, answer.json
    stats = client.get("/api/v1/stats?group_by=partner", headers=setup["auth"]).json["data"]
    assert [(s["conversions"], s["revenue"], s["commission"]) for s in stats] == [(1, "0.00", "0.00")]
    db.session.rollback()
    rollups.rebuild()
    db.session.commit()
    again = client.get("/api/v1/stats?group_by=partner", headers=setup["auth"]).json["data"]
    assert again == stats


@pytest.mark.parametrize("occurred_at", ["1969-12-01T00:00:00Z", "-1h"])
def test_a_conversion_before_its_click_is_not_credited_and_says_why(client, db, setup, occurred_at):
    if occurred_at == "-1h":  # an hour before a click of two hours ago: three hours ago
        occurred_at = (utcnow() - timedelta(hours=3)).isoformat()
    response = post(client, setup, {"order_id": "EARLY-1", "amount": "80.00", "currency": "USD",
                                    "click_id": click_id(setup), "occurred_at": occurred_at})
    assert response.status_code == 201, response.json
    assert response.json["status"] == "unattributed"
    assert response.json["partner_id"] is None and response.json["commissions"] == []
    assert "came after the conversion" in response.json["status_reason"]
    assert count(db, Commission) == 0


def test_a_click_reported_with_partner_ref_after_the_conversion_does_not_count(client, db, setup):
    now = utcnow()
    response = post(client, setup, {"order_id": "EARLY-2", "amount": "80.00", "currency": "USD",
                                    "partner_ref": setup["partner"].ref,
                                    "clicked_at": (now - timedelta(hours=1)).isoformat(),
                                    "occurred_at": (now - timedelta(days=1)).isoformat()})
    assert response.status_code == 201 and response.json["status"] == "unattributed"
    assert "came after the conversion" in response.json["status_reason"]


def test_a_click_a_minute_after_the_conversion_counts_within_the_clock_skew(client, db, setup):
    from partner_portal.services.attribution import CLICK_CLOCK_SKEW

    occurred = utcnow() - timedelta(hours=2) - CLICK_CLOCK_SKEW / 2
    response = post(client, setup, {"order_id": "SKEW-1", "amount": "80.00", "currency": "USD",
                                    "click_id": click_id(setup), "occurred_at": occurred.isoformat()})
    assert response.status_code == 201 and response.json["status"] == "attributed"
    assert "less than a day after the click" in response.json["commissions"][0]["explanation"]
