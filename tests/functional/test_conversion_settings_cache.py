"""Each worker caches the settings the conversion API reads (offer terms and commission
rules, fraud rules, webhook endpoints, two-tier share). An admin's change must be seen by
the very next conversion: in this worker, in another worker on the host, and inside the
transaction that makes it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from partner_portal import create_app
from partner_portal.extensions import db as _db
from partner_portal.models import Offer, WebhookDelivery
from partner_portal.models.base import utcnow
from partner_portal.services import api_keys, audit
from partner_portal.services.conversions import ConversionInput, record_conversion
from partner_portal.services.fraud import screening
from partner_portal.services.locking import begin_write

from ..factories import LinkFactory, OfferFactory, PartnerFactory


@pytest.fixture()
def shop(app, db):
    offer = OfferFactory(name="Boots", cookie_window_days=30, default_commission_kind="percent",
                         default_commission_value=Decimal("10"), hold_days=30)
    recruiter = PartnerFactory(status="approved")
    partner = PartnerFactory(status="approved", parent_id=recruiter.id)
    link = LinkFactory(offer=offer, partner=partner)
    _key, plain = api_keys.create("Shop", actor=audit.Actor.system("test"), now=utcnow())
    db.session.commit()
    return {"offer": offer, "partner": partner, "recruiter": recruiter, "link": link,
            "auth": {"Authorization": f"Bearer {plain}"}, "codec": app.extensions["pp_click_codec"],
            "orders": iter(range(1, 1000))}


def convert(client, s, *, click_ago=timedelta(hours=2)):
    """Report a $120 sale through the API; the partner's own commissions as (kind, amount,
    status), and the recruiter's share."""
    click = s["codec"].encode(s["partner"].id, s["offer"].id, s["link"].id, utcnow() - click_ago)
    response = client.post("/api/v1/conversions", headers=s["auth"], json={
        "order_id": f"C-{next(s['orders'])}", "amount": "120.00", "currency": "USD",
        "click_id": click})
    assert response.status_code == 201, response.json
    return [(c["kind"], c["amount"], c["status"]) for c in response.json["commissions"]]


def own(commissions):
    return [c for c in commissions if c[0] != "tier2"]


def shares(commissions):
    return [c[1] for c in commissions if c[0] == "tier2"]


OFFER_FORM = {"name": "Boots", "description": "", "destination_url": "https://shop.example.com/",
              "allowed_domains": "", "currency": "USD", "cookie_window_days": "30",
              "attribution_model": "last_click", "hold_days": "30", "fallback_url": "",
              "status": "active", "default_commission_kind": "percent"}


def test_an_edited_offer_commission_applies_to_the_next_conversion(client, db, login_as, shop):
    login_as("manager")
    assert own(convert(client, shop)) == [("conversion", "12.00", "pending")]
    response = client.post(f"/admin/offers/{shop['offer'].id}/edit",
                           data={**OFFER_FORM, "default_commission_value": "20"})
    assert response.status_code == 302
    assert own(convert(client, shop)) == [("conversion", "24.00", "pending")]


def test_a_new_commission_rule_applies_to_the_next_conversion(client, db, login_as, shop):
    login_as("manager")
    assert own(convert(client, shop)) == [("conversion", "12.00", "pending")]
    response = client.post(f"/admin/offers/{shop['offer'].id}/rules/new", data={
        "name": "Autumn", "kind": "percent", "event": "sale", "scope": "offer",
        "is_active": "y", "value": "12.5", "rate_kind": "percent"})
    assert response.status_code == 302
    assert own(convert(client, shop)) == [("conversion", "15.00", "pending")]


def test_a_fraud_rule_change_applies_to_the_next_conversion(client, db, login_as, shop):
    login_as("manager")
    fast = timedelta(seconds=2)
    assert own(convert(client, shop, click_ago=fast)) == [("conversion", "12.00", "hold")]
    response = client.post("/admin/fraud/rules", data={
        "code": "fast_conversion", "fast_conversion-threshold": "10",
        "fast_conversion-action": "hold"})  # unticked: off
    assert response.status_code == 302
    assert own(convert(client, shop, click_ago=fast)) == [("conversion", "12.00", "pending")]
    client.post("/admin/fraud/rules", data={
        "code": "fast_conversion", "fast_conversion-enabled": "y",
        "fast_conversion-threshold": "10", "fast_conversion-action": "reject"})
    assert own(convert(client, shop, click_ago=fast)) == [("conversion", "12.00", "rejected")]


def test_a_new_webhook_endpoint_gets_the_next_conversion(client, db, login_as, shop):
    login_as("manager")
    convert(client, shop)
    response = client.post("/admin/webhooks", data={
        "url": "https://hooks.example.com/in", "events": ["conversion.created"],
        "description": "CRM"})
    assert response.status_code == 302
    convert(client, shop)
    db.session.rollback()
    events = db.session.scalars(select(WebhookDelivery.payload)).all()
    assert [e["data"]["order_id"] for e in events] == ["C-2"]


def test_a_new_two_tier_share_applies_to_the_next_conversion(client, db, login_as, shop):
    login_as("manager")
    assert shares(convert(client, shop)) == ["1.20"]
    response = client.post("/admin/commissions/referrals", data={
        "subaffiliate_share": "50", "subaffiliate_levels": "1", "referral_discount": ""})
    assert response.status_code == 302
    assert shares(convert(client, shop)) == ["6.00"]


def test_another_worker_sees_a_change_made_by_this_one(app, client, db, shop):
    """Two apps in one process stand for two workers on one host: each has its own cache,
    and they share the database and the instance folder."""
    other = create_app("testing", WTF_CSRF_ENABLED=False, SERVER_NAME=None,
                       MAIL_OUTBOX_DIR=app.config["MAIL_OUTBOX_DIR"])
    assert other.extensions["pp_settings_cache"] is not app.extensions["pp_settings_cache"]
    assert own(convert(client, shop)) == [("conversion", "12.00", "pending")]
    with other.app_context():
        offer = _db.session.get(Offer, shop["offer"].id)
        offer.default_commission_value = Decimal("25")
        _db.session.commit()
        _db.session.remove()
    assert own(convert(client, shop)) == [("conversion", "30.00", "pending")]
    fast = timedelta(seconds=2)
    assert own(convert(client, shop, click_ago=fast)) == [("conversion", "30.00", "hold")]
    with other.app_context():
        screening.update_setting("fast_conversion", enabled=False, threshold=10, action="hold",
                                 actor=audit.Actor.system("test"), now=utcnow())
        _db.session.commit()
        _db.session.remove()
    assert own(convert(client, shop, click_ago=fast)) == [("conversion", "30.00", "pending")]


def test_a_transaction_sees_its_own_uncommitted_changes(app, db, shop):
    """A service that edits an offer and records a conversion in one unit of work pays the
    new terms, before anything is committed."""
    offer, partner = shop["offer"], shop["partner"]
    db.session.commit()

    def record(order_id):
        return record_conversion(ConversionInput(offer_id=offer.id, order_id=order_id,
                                                 amount=Decimal("120.00"), currency="USD",
                                                 partner_id=partner.id),
                                 actor=audit.Actor.system("test"), now=utcnow())

    begin_write()
    first = record("T-1")
    offer.default_commission_value = Decimal("5")  # not flushed yet
    second = record("T-2")
    assert [c.amount for c in first.commissions if c.kind == "conversion"] == [Decimal("12.00")]
    assert [c.amount for c in second.commissions if c.kind == "conversion"] == [Decimal("6.00")]
    db.session.rollback()
    begin_write()
    third = record("T-3")  # the change was rolled back: the offer pays 10% again
    assert [c.amount for c in third.commissions if c.kind == "conversion"] == [Decimal("12.00")]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0


def test_a_long_running_job_sees_another_workers_change_after_the_recheck(app, db, shop,
                                                                          monkeypatch):
    """The version file is read once per request; a job that runs for a long time in one
    app context reads it again every VERSION_RECHECK_SECONDS."""
    from partner_portal.services import settings_cache
    from partner_portal.services.offer_terms import offer_terms

    other = create_app("testing", WTF_CSRF_ENABLED=False, SERVER_NAME=None,
                       MAIL_OUTBOX_DIR=app.config["MAIL_OUTBOX_DIR"])
    offer_id = shop["offer"].id
    db.session.commit()
    with app.app_context():  # the job's context
        monkeypatch.setattr(settings_cache, "VERSION_RECHECK_SECONDS", 3600)
        assert offer_terms(offer_id).default_commission_value == Decimal("10")
        with other.app_context():
            _db.session.get(Offer, offer_id).default_commission_value = Decimal("25")
            _db.session.commit()
            _db.session.remove()
        assert offer_terms(offer_id).default_commission_value == Decimal("10")  # not yet
        _db.session.commit()  # the job finishes one unit of work and starts the next
        assert offer_terms(offer_id).default_commission_value == Decimal("10")  # still not
        monkeypatch.setattr(settings_cache, "VERSION_RECHECK_SECONDS", 0)
        assert offer_terms(offer_id).default_commission_value == Decimal("25")
        _db.session.remove()
