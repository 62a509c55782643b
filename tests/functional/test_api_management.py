"""The management API: partners, offers, caps, links, conversions, commissions, payouts,
balances and stats, as an integrator's code would call them."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from partner_portal.models import AuditEntry, Cap, Offer, Partner, TrackingLink, User
from partner_portal.models.base import utcnow
from partner_portal.services import api_keys, audit

from ..factories import CommissionFactory, DailyStatFactory, GroupFactory, OfferFactory, PartnerFactory


@pytest.fixture()
def key(db):
    """Bearer headers for a new key; ``key(scopes=[...])`` for a narrower one."""

    def make(scopes=None, name="CRM"):
        _key, plain = api_keys.create(name, actor=audit.Actor.system("test"), now=utcnow(),
                                      scopes=scopes)
        db.session.commit()
        return {"Authorization": f"Bearer {plain}"}

    return make


@pytest.fixture()
def auth(key):
    return key()


def count(db, model, *where):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --- partners --------------------------------------------------------------------------

def test_create_partner_invites_them_and_is_audited(client, db, auth, outbox):
    response = client.post("/api/v1/partners", headers=auth,
                           json={"email": "New.Person@Example.com", "name": "New Person"})
    assert response.status_code == 201, response.json
    body = response.json
    assert body["email"] == "new.person@example.com" and body["status"] == "applied"
    assert body["ref"] and body["approved_at"] is None
    user = db.session.scalar(select(User).where(User.email == "new.person@example.com"))
    assert user.partner_id == body["id"] and user.password_hash is None
    [mail] = [m for m in outbox.messages() if "your partner account" in m["Subject"]]
    assert mail["To"] == "new.person@example.com"
    assert "/reset/" in mail.get_body(preferencelist=("plain",)).get_content()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "partner.create"))
    assert entry.actor_label.startswith("api key #")


def test_create_partner_approved_at_once_goes_through_the_decision(client, db, auth, outbox):
    GroupFactory(is_default=True)
    db.session.commit()
    response = client.post("/api/v1/partners", headers=auth, json={
        "email": "vip@example.com", "name": "VIP", "status": "approved", "country": "de"})
    assert response.status_code == 201, response.json
    assert response.json["status"] == "approved" and response.json["approved_at"]
    assert response.json["country"] == "DE"
    subjects = [m["Subject"] for m in outbox.messages()]
    assert any("approved" in s for s in subjects)
    assert count(db, AuditEntry, AuditEntry.action == "partner.approve") == 1


@pytest.mark.parametrize("body, field, status", [
    ({"name": "No email"}, "email", 422),
    ({"email": "not-an-email", "name": "X"}, "email", 422),
    ({"email": "a@example.com"}, "name", 422),
    ({"email": "a@example.com", "name": "X", "status": "banned"}, "status", 422),
    ({"email": "a@example.com", "name": "X", "country": "ZZ"}, "country", 422),
    ({"email": "a@example.com", "name": "X", "nickname": "typo"}, "nickname", 422),
])
def test_bad_partner_input_names_the_field_and_changes_nothing(client, db, auth, body, field,
                                                               status):
    response = client.post("/api/v1/partners", headers=auth, json=body)
    assert response.status_code == status, response.json
    assert response.mimetype == "application/problem+json"
    assert response.json["field"] == field
    assert count(db, Partner) == 0 and count(db, User) == 0


def test_duplicate_partner_email_is_409(client, db, auth):
    PartnerFactory(email="taken@example.com")
    db.session.commit()
    response = client.post("/api/v1/partners", headers=auth,
                           json={"email": "Taken@example.com", "name": "Again"})
    assert response.status_code == 409 and response.json["field"] == "email"


def test_malformed_json_is_400_naming_the_body(client, db, auth):
    response = client.post("/api/v1/partners", headers={**auth, "Content-Type": "application/json"},
                           data="{not json")
    assert response.status_code == 400 and response.json["field"] == "body"


def test_approve_partner_and_again_is_harmless(client, db, auth):
    GroupFactory(is_default=True)
    partner = PartnerFactory(status="applied")
    db.session.commit()
    first = client.post(f"/api/v1/partners/{partner.id}/approve", headers=auth,
                        json={"message": "Welcome aboard"})
    assert first.status_code == 200 and first.json["status"] == "approved"
    again = client.post(f"/api/v1/partners/{partner.id}/approve", headers=auth)
    assert again.status_code == 200 and again.json["status"] == "approved"
    assert count(db, AuditEntry, AuditEntry.action == "partner.approve") == 1


def test_approving_a_banned_partner_is_409(client, db, auth):
    partner = PartnerFactory(status="banned")
    db.session.commit()
    response = client.post(f"/api/v1/partners/{partner.id}/approve", headers=auth, json={})
    assert response.status_code == 409


def test_unknown_partner_is_404_problem(client, db, auth):
    for url in ("/api/v1/partners/999", "/api/v1/partners/999/balance"):
        response = client.get(url, headers=auth)
        assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_partner_list_pages_with_a_cursor_and_filters(client, db, auth):
    partners = [PartnerFactory(status="approved" if i % 2 else "applied") for i in range(7)]
    db.session.commit()
    seen, cursor = [], None
    while True:
        url = "/api/v1/partners?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=auth).json
        seen += [p["id"] for p in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [p.id for p in partners]
    approved = client.get("/api/v1/partners?status=approved&limit=200", headers=auth).json
    assert [p["id"] for p in approved["data"]] == [p.id for p in partners if p.status == "approved"]
    by_email = client.get(f"/api/v1/partners?email={partners[3].email.upper()}", headers=auth)
    assert [p["id"] for p in by_email.json["data"]] == [partners[3].id]


@pytest.mark.parametrize("query, field", [("limit=0", "limit"), ("limit=201", "limit"),
                                          ("limit=x", "limit"), ("cursor=garbage!", "cursor"),
                                          ("status=sleeping", "status")])
def test_bad_list_parameters_name_the_field(client, db, auth, query, field):
    response = client.get(f"/api/v1/partners?{query}", headers=auth)
    assert response.status_code == 422 and response.json["field"] == field


def test_balance_is_the_ledger_balance(client, db, auth):
    partner = PartnerFactory()
    offer = OfferFactory()
    CommissionFactory(partner=partner, offer=offer, amount=Decimal("12.50"))
    CommissionFactory(partner=partner, offer=offer, amount=Decimal("7.25"))
    CommissionFactory(partner=partner, offer=offer, amount=Decimal("99"), status="pending")
    db.session.commit()
    body = client.get(f"/api/v1/partners/{partner.id}/balance", headers=auth).json
    assert body["balance"] == "19.75" and body["currency"] == "USD"
    assert body["partner_id"] == partner.id


# --- offers, caps, links ---------------------------------------------------------------

def test_create_offer_as_the_contract_says(client, db, auth):
    response = client.post("/api/v1/offers", headers=auth, json={
        "name": "Spring", "destination_url": "https://shop.example.com/spring",
        "currency": "EUR", "cookie_window_days": 45,
        "commission": {"kind": "percent", "value": "12.5"}})
    assert response.status_code == 201, response.json
    body = response.json
    assert body["commission"] == {"kind": "percent", "value": "12.5"}
    assert body["currency"] == "EUR" and body["cookie_window_days"] == 45
    offer = db.session.get(Offer, body["id"])
    assert offer.default_commission_value == Decimal("12.5")
    assert client.get(f"/api/v1/offers/{offer.id}", headers=auth).json == body
    flat = client.post("/api/v1/offers", headers=auth, json={
        "name": "Flat", "destination_url": "https://shop.example.com/",
        "commission": {"kind": "flat", "value": 5}})
    assert flat.json["commission"] == {"kind": "flat", "value": "5.00"}


@pytest.mark.parametrize("change, field", [
    ({"destination_url": "javascript:alert(1)"}, "destination_url"),
    ({"currency": "XXQ"}, "currency"),
    ({"commission": {"kind": "percent", "value": "150"}}, "default_commission_value"),
    ({"commission": {"kind": "bonus", "value": "1"}}, "commission.kind"),
    ({"cookie_window_days": 0}, "cookie_window_days"),
])
def test_bad_offer_input_names_the_field(client, db, auth, change, field):
    body = {"name": "X", "destination_url": "https://shop.example.com/", **change}
    response = client.post("/api/v1/offers", headers=auth, json=body)
    assert response.status_code == 422, response.json
    assert response.json["field"] == field
    assert count(db, Offer) == 0


def test_caps_are_created_and_listed(client, db, auth):
    offer = OfferFactory(fallback_url="https://shop.example.com/sold-out")
    partner = PartnerFactory()
    db.session.commit()
    monthly = client.post(f"/api/v1/offers/{offer.id}/caps", headers=auth,
                          json={"metric": "conversions", "period": "month", "limit": 100})
    assert monthly.status_code == 201, monthly.json
    assert monthly.json["limit"] == "100" and monthly.json["caps_conversions"] is True
    money = client.post(f"/api/v1/offers/{offer.id}/caps", headers=auth, json={
        "metric": "commission", "period": "day", "limit": "250.5", "scope": "offer_partner",
        "partner_id": partner.id})
    assert money.status_code == 201, money.json
    assert money.json["limit"] == "250.50" and money.json["partner_id"] == partner.id
    listed = client.get(f"/api/v1/offers/{offer.id}/caps", headers=auth).json["data"]
    assert [c["id"] for c in listed] == [monthly.json["id"], money.json["id"]]
    bad = client.post(f"/api/v1/offers/{offer.id}/caps", headers=auth,
                      json={"metric": "conversions", "period": "fortnight", "limit": 1})
    assert bad.status_code == 422 and bad.json["field"] == "period"
    missing = client.post("/api/v1/offers/999/caps", headers=auth,
                          json={"metric": "conversions", "period": "day", "limit": 1})
    assert missing.status_code == 404
    assert count(db, Cap) == 2


def test_links_return_code_and_full_url_and_are_idempotent(client, app, db, auth):
    offer = OfferFactory()
    partner = PartnerFactory()
    db.session.commit()
    body = {"partner_id": partner.id, "offer_id": offer.id,
            "url": "https://shop.example.com/boots", "sub1": "newsletter"}
    first = client.post("/api/v1/links", headers=auth, json=body)
    assert first.status_code == 201, first.json
    code = first.json["code"]
    assert first.json["url"] == f"{app.config['BASE_URL']}/r/{code}"
    assert first.json["deep_link_url"] == "https://shop.example.com/boots"
    again = client.post("/api/v1/links", headers=auth, json=body)
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    listed = client.get(f"/api/v1/links?partner_id={partner.id}", headers=auth).json["data"]
    assert [lk["code"] for lk in listed] == [code]
    assert count(db, TrackingLink) == 1


@pytest.mark.parametrize("change, field", [
    ({"url": "https://evil.example.net/"}, "url"),
    ({"partner_id": 999}, "partner_id"),
    ({"offer_id": 999}, "offer_id"),
    ({"sub1": "x" * 101}, "sub1"),
])
def test_bad_link_input_names_the_field(client, db, auth, change, field):
    offer = OfferFactory()
    partner = PartnerFactory()
    db.session.commit()
    body = {"partner_id": partner.id, "offer_id": offer.id, **change}
    response = client.post("/api/v1/links", headers=auth, json=body)
    assert response.status_code == 422 and response.json["field"] == field
    assert count(db, TrackingLink) == 0


def test_links_only_for_approved_partners(client, db, auth):
    offer = OfferFactory()
    partner = PartnerFactory(status="applied")
    db.session.commit()
    response = client.post("/api/v1/links", headers=auth,
                           json={"partner_id": partner.id, "offer_id": offer.id})
    assert response.status_code == 422 and response.json["field"] == "partner_id"


# --- money out: commissions, payouts, conversions, stats ---------------------------------

def test_commissions_filter_by_partner_and_status(client, db, auth):
    a, b = PartnerFactory(), PartnerFactory()
    offer = OfferFactory()
    ca = CommissionFactory(partner=a, offer=offer, amount=Decimal("3.10"))
    CommissionFactory(partner=a, offer=offer, status="pending")
    CommissionFactory(partner=b, offer=offer)
    db.session.commit()
    body = client.get(f"/api/v1/commissions?partner_id={a.id}&status=approved",
                      headers=auth).json
    assert [c["id"] for c in body["data"]] == [ca.id]
    assert body["data"][0]["amount"] == "3.10" and body["next_cursor"] is None
    assert len(client.get("/api/v1/commissions", headers=auth).json["data"]) == 3


def test_conversion_then_list_shows_it(client, db, auth):
    offer = OfferFactory()
    partner = PartnerFactory()
    db.session.commit()
    created = client.post("/api/v1/conversions", headers=auth, json={
        "order_id": "L-1", "amount": "80", "currency": "USD", "partner_ref": partner.ref,
        "offer_id": offer.id})
    assert created.status_code == 201, created.json
    listed = client.get("/api/v1/conversions?order_id=L-1", headers=auth).json["data"]
    assert listed == [created.json]
    commissions = client.get(f"/api/v1/commissions?partner_id={partner.id}", headers=auth).json
    assert [c["amount"] for c in commissions["data"]] == ["8.00"]


def test_stats_by_day_offer_and_partner(client, db, auth):
    offer_a, offer_b = OfferFactory(name="Alpha"), OfferFactory(name="Beta")
    p1, p2 = PartnerFactory(name="One"), PartnerFactory(name="Two")
    day1, day2 = date(2026, 3, 1), date(2026, 3, 2)
    DailyStatFactory(day=day1, offer_id=offer_a.id, partner_id=p1.id, clicks=10, conversions=2,
                     revenue=Decimal("200"), commission=Decimal("20"))
    DailyStatFactory(day=day2, offer_id=offer_b.id, partner_id=p2.id, clicks=5, conversions=1,
                     revenue=Decimal("50"), commission=Decimal("7.5"))
    db.session.commit()
    base = "/api/v1/stats?start=2026-03-01&end=2026-03-03"
    by_day = client.get(base + "&group_by=day", headers=auth).json
    assert [(r["key"], r["clicks"], r["commission"]) for r in by_day["data"]] == [
        ("2026-03-01", 10, "20.00"), ("2026-03-02", 5, "7.50"), ("2026-03-03", 0, "0.00")]
    by_offer = client.get(base + "&group_by=offer", headers=auth).json["data"]
    assert [(r["label"], r["revenue"]) for r in by_offer] == [("Alpha", "200.00"), ("Beta", "50.00")]
    by_partner = client.get(base + f"&group_by=partner&offer_id={offer_b.id}", headers=auth).json
    assert [(r["key"], r["conversions"]) for r in by_partner["data"]] == [(str(p2.id), 1)]
    backwards = client.get("/api/v1/stats?start=2026-03-05&end=2026-03-01", headers=auth)
    assert backwards.status_code == 422 and backwards.json["field"] == "end"
    bad = client.get("/api/v1/stats?group_by=week", headers=auth)
    assert bad.status_code == 422 and bad.json["field"] == "group_by"


# --- scopes and limits -------------------------------------------------------------------

def test_scopes_limit_what_a_key_may_do(client, db, key):
    reader = key(scopes=["partners:read"])
    assert client.get("/api/v1/partners", headers=reader).status_code == 200
    refused = client.post("/api/v1/partners", headers=reader,
                          json={"email": "x@example.com", "name": "X"})
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert refused.json["required_scope"] == "partners:write"
    assert client.get("/api/v1/commissions", headers=reader).status_code == 403
    shop = key(scopes=["conversions:write"])
    assert client.get("/api/v1/partners", headers=shop).status_code == 403
    assert count(db, Partner) == 0


def test_unknown_scope_is_refused_when_creating_a_key(app, db):
    from partner_portal.services.errors import ValidationError

    with pytest.raises(ValidationError) as exc:
        api_keys.create("X", actor=audit.Actor.system("test"), now=utcnow(), scopes=["root"])
    assert exc.value.field == "scopes"


def test_cli_creates_a_scoped_key(app, db):
    result = app.test_cli_runner().invoke(args=["api-keys", "create", "Shop", "--scope",
                                                "conversions:write", "--scope", "stats:read"])
    assert result.exit_code == 0, result.output
    stored = db.session.scalar(select(api_keys.ApiKey))
    assert stored.scopes == "conversions:write,stats:read"


def test_rate_limit_answers_429_with_retry_after(app, db, key):
    from partner_portal.extensions import limiter

    auth = key()
    other = key(name="Other")
    app.config["API_RATE_LIMIT"] = "3 per minute"
    limiter.reset()
    try:
        client = app.test_client()
        codes = [client.get("/api/v1/partners", headers=auth).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        refused = client.get("/api/v1/offers", headers=auth)  # the limit is per key, not route
        assert refused.status_code == 429
        assert refused.mimetype == "application/problem+json"
        assert int(refused.headers["Retry-After"]) > 0
        assert client.get("/api/v1/partners", headers=other).status_code == 200
    finally:
        app.config["API_RATE_LIMIT"] = "600 per minute"
        limiter.reset()


def test_openapi_description_is_public_and_lists_every_api_route(client, app):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi":
            path = re.sub(r"<(?:[^:>]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            routes |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == documented
    create = doc["paths"]["/api/v1/partners"]["post"]
    assert "partners:write" in create["description"]
    assert "application/problem+json" in create["responses"]["422"]["content"]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_postback_needs_the_conversions_write_scope(client, db, key):
    offer = OfferFactory()
    partner = PartnerFactory()
    db.session.commit()
    reader = key(scopes=["stats:read"])["Authorization"].split()[1]
    query = (f"order_id=P-1&amount=10&currency=USD&partner_ref={partner.ref}"
             f"&offer_id={offer.id}&token=")
    refused = client.get("/postback?" + query + reader)
    assert refused.status_code == 403 and refused.json["field"] == "token"
    writer = key(scopes=["conversions:write"])["Authorization"].split()[1]
    assert client.get("/postback?" + query + writer).status_code == 201


def test_a_response_that_breaks_its_model_is_a_500_under_test_but_logged_in_production(
        client, app, db, auth, monkeypatch, caplog):
    from partner_portal.blueprints.api import partners as partners_api

    PartnerFactory()
    db.session.commit()
    monkeypatch.setattr(partners_api, "partner_out", lambda p: {"id": "not a number"})
    assert client.get("/api/v1/partners", headers=auth).status_code == 500
    monkeypatch.setattr(app, "testing", False)
    response = client.get("/api/v1/partners", headers=auth)
    assert response.status_code == 200 and response.json["data"] == [{"id": "not a number"}]
    assert "does not match its model" in caplog.text


def test_empty_query_parameters_mean_not_given(client, db, auth):
    partner = PartnerFactory()
    offer = OfferFactory()
    CommissionFactory(partner=partner, offer=offer)
    db.session.commit()
    body = client.get("/api/v1/commissions?partner_id=&status=", headers=auth).json
    assert len(body["data"]) == 1


def test_conversions_are_not_rate_limited_unless_configured(app, db, key):
    from partner_portal.extensions import limiter

    offer = OfferFactory()
    partner = PartnerFactory()
    db.session.commit()
    auth = key()
    body = {"amount": "10", "currency": "USD", "partner_ref": partner.ref, "offer_id": offer.id}
    client = app.test_client()
    app.config["API_RATE_LIMIT"] = "1 per minute"
    limiter.reset()
    try:
        codes = [client.post("/api/v1/conversions", headers=auth,
                             json={**body, "order_id": f"RL-{i}"}).status_code for i in range(3)]
        assert codes == [201, 201, 201]
        app.config["API_INGEST_RATE_LIMIT"] = "2 per minute"
        codes = [client.post("/api/v1/conversions", headers=auth,
                             json={**body, "order_id": f"RL2-{i}"}).status_code for i in range(3)]
        assert codes == [201, 201, 429]
    finally:
        app.config["API_RATE_LIMIT"] = "600 per minute"
        app.config["API_INGEST_RATE_LIMIT"] = ""
        limiter.reset()
