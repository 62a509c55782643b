"""A commission the fraud screening held: partners read that it is under review, on every
page, CSV and email, and never the rule, its threshold or its evidence; staff see it all."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from partner_portal.jobs import statements as runs
from partner_portal.models import Commission, FraudCase
from partner_portal.models.base import utcnow
from partner_portal.services import audit, commissions
from partner_portal.services.fraud import screening
from partner_portal.services.program import program_zone
from partner_portal.services.statements.months import Month

from ..factories import LinkFactory, OfferFactory
from ..support import login
from ..support import statements as h
from ..support.conversions import click_token, record

# Anything that would tell a partner how the screening works (as patterns, ignoring case).
SECRETS = (r"under 10", r"\b10(\.0+)? ?s\b", r"fraud", r"conversion too soon", r"seconds",
           r"converted \d+ s", r"threshold", r"paid search", r"gclid", r"evidence")


@pytest.fixture()
def held(app, db, login_as):
    user = login_as("partner")
    partner = user.partner
    offer = OfferFactory(name="Trail Shoes", default_commission_kind="percent",
                         default_commission_value="10", hold_days=30)
    link = LinkFactory(offer=offer, partner=partner)
    db.session.commit()
    now = utcnow()
    token = click_token(partner, offer, now - timedelta(seconds=3), link.id)
    record(offer, "HELD-1", "80.00", now=now, click_token=token)  # held: 3 s after the click
    screening.update_setting("fast_conversion", enabled=True, threshold=10, action="reject",
                             actor=audit.Actor.system("test"), now=now)
    db.session.commit()
    token = click_token(partner, offer, now - timedelta(seconds=2), link.id)
    record(offer, "REJECTED-1", "50.00", now=now, click_token=token)  # rejected by the rule
    record(offer, "CANCELLED-1", "40.00", now=now, partner_id=partner.id)
    cancelled = db.session.scalar(select(Commission).join(Commission.conversion).where(
        Commission.conversion.has(order_id="CANCELLED-1")))
    commissions.decide(cancelled.id, "reject", reason="Order cancelled by the customer.",
                       actor=audit.Actor.system("test"), now=now)
    db.session.commit()
    statuses = {c.conversion.order_id: c.status for c in db.session.scalars(select(Commission))}
    assert statuses == {"HELD-1": "hold", "REJECTED-1": "rejected", "CANCELLED-1": "rejected"}
    return partner, offer, now


def partner_pages(app):
    """Every page of the partner side a partner can open without an id in the URL."""
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if rule.endpoint.startswith("partner.") and "GET" in rule.methods and not rule.arguments:
                yield url_for(rule.endpoint)
    yield "/partner/earnings?status=hold"
    for by in ("offer", "sub1", "day"):
        yield f"/partner/reports/{by}.csv"


def assert_no_secrets(body: str, where: str):
    for secret in SECRETS:
        found = re.search(secret, body, re.IGNORECASE)
        assert found is None, f"{where} shows {found.group(0)!r}: …{body[max(found.start() - 80, 0):found.end() + 80]}…"


def test_partner_pages_and_csv_say_under_review_and_nothing_more(app, client, held):
    walked = 0
    for url in partner_pages(app):
        response = client.get(url)
        assert response.status_code in (200, 302), url
        assert_no_secrets(response.get_data(as_text=True), url)
        walked += 1
    assert walked > 15

    page = client.get("/partner/earnings").get_data(as_text=True)
    assert "Under review" in page
    assert "The program team is checking this conversion before it counts" in page
    assert "did not pass the program&#39;s review of traffic quality" in page
    assert "Order cancelled by the customer." in page  # a note staff wrote for the partner
    dashboard = client.get("/partner/").get_data(as_text=True)
    assert 'class="badge hold">Under review<' in dashboard

    rows = {r["Order"]: r for r in csv.DictReader(io.StringIO(
        client.get("/partner/earnings.csv").get_data(as_text=True).lstrip("\ufeff")))}
    assert rows["HELD-1"]["Status"] == "under review"
    assert rows["HELD-1"]["Status note"].startswith("The program team is checking")
    assert rows["REJECTED-1"]["Status note"].startswith("This conversion did not pass")
    assert rows["CANCELLED-1"]["Status note"] == "Order cancelled by the customer."
    assert_no_secrets(client.get("/partner/earnings.csv").get_data(as_text=True), "earnings.csv")


def test_the_emailed_statement_says_under_review(app, db, held, smtp_server):
    partner, _offer, now = held
    month = Month.of(now, program_zone())
    later = now + timedelta(minutes=1)
    runs.generate(app, month, now=later, workers=1)
    runs.queue_emails(month, now=later)
    runs.deliver_emails(app, month=month)
    [message] = [m for m in smtp_server.wait_for(1) if m["To"] == partner.email]
    body = message.get_body(("plain",)).get_content()
    [attachment] = list(message.iter_attachments())
    text = " ".join(h.pdf_text(attachment.get_content()).split())
    assert "Under review" in text
    for where, content in (("statement email", body), ("statement PDF", text)):
        assert_no_secrets(content, where)


def test_staff_still_see_the_rule_its_threshold_and_evidence(app, db, held, make_user):
    case = db.session.scalar(select(FraudCase).where(FraudCase.action == "hold"))
    client = app.test_client()
    assert login(client, make_user("manager").email).status_code == 302
    detail = client.get(f"/admin/fraud/{case.id}").get_data(as_text=True)
    assert "Conversion too soon after the click" in detail and "under 10" in detail
    assert "Seconds after click" in detail
    commission = db.session.scalar(select(Commission).where(Commission.status == "hold"))
    page = client.get(f"/admin/commissions/{commission.id}").get_data(as_text=True)
    assert "Fraud rule" in page and "under 10" in page
