"""Statements: the ledger's numbers in the PDF, the same bytes for the same data, versions
on regeneration, and the admin, partner and API pages."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from partner_portal.models import AuditEntry, Statement, WebhookDelivery, WebhookEndpoint
from partner_portal.models.base import utcnow
from partner_portal.services import ledger
from partner_portal.services.audit import Actor
from partner_portal.services.money import format_money
from partner_portal.services.statements import data as statement_data
from partner_portal.services.statements import render, store
from partner_portal.services.statements.months import Month

from ..factories import PartnerFactory
from ..support import statements as h
from .test_api_keys import create_key

MARCH = Month(2025, 3)
LATER = datetime(2025, 6, 1, tzinfo=timezone.utc)


def generate(app, month=MARCH, now=LATER, workers=1):
    from partner_portal.jobs import statements as runs

    return runs.generate(app, month, now=now, workers=workers)


def test_statement_numbers_are_the_ledgers(app, db):
    h.program()
    partner = h.seeded_partner()
    zone = ZoneInfo(h.NY)
    data = statement_data.build(partner.id, MARCH, now=LATER, zone=zone, currency="USD")
    book = ledger.statement(partner.id, MARCH.start(zone), MARCH.end(zone), "USD")
    assert (data.opening, data.closing) == (book.opening, book.closing)
    assert data.opening == h.EXPECTED["opening"] and data.closing == h.EXPECTED["closing"]
    assert data.commissions_total == h.EXPECTED["commissions"]
    assert data.adjustments_total == h.EXPECTED["adjustments"]
    assert data.payouts_total == h.EXPECTED["payouts"]
    assert data.pending_total == h.EXPECTED["pending"]
    assert data.opening + data.commissions_total + data.adjustments_total + data.payouts_total \
        + data.returned_total == data.closing
    # The balance the payouts pages show at the end of March is the closing balance.
    assert ledger.balance(partner.id, as_of=MARCH.end(zone), currency="USD") == data.closing
    # Every commission created in March, whatever its status; totals by offer add up.
    assert sorted(c.status for c in data.commissions) == \
        ["approved", "approved", "hold", "paid", "pending", "rejected"]
    assert data.offers_credited == data.commissions_total + data.adjustments_total
    assert {o.offer: (o.count, str(o.credited), str(o.pending)) for o in data.offers} == {
        "Summer Sale": (2, "10.00", "7.25"), "Winter Boots": (2, "29.99", "4.00")}


def test_the_pdf_reads_back_with_the_ledgers_numbers(app, db):
    h.program()
    partner = h.seeded_partner(name="Ada Lovelace")
    data = statement_data.build(partner.id, MARCH, now=LATER, zone=ZoneInfo(h.NY), currency="USD")
    pdf = render.render(data)
    text = h.pdf_text(pdf)
    for amount in ("100.00", "89.99", "42.49", "-2.50", "-50.00", "11.25", "12.50", "9.99"):
        assert format_money(amount, "USD") in text, amount
    assert "Commission statement" in text and "March 2025" in text
    assert "Ada Lovelace" in text and "Northwind Outfitters" in text
    assert "100 Summit Street" in text and "Denver, CO 80202" in text
    assert "Summer Sale" in text and "Winter Boots" in text
    # Order references are masked: the end is shown, the rest is not.
    assert f"ORDER-2025-A{partner.id:03d}9" not in text and "****" in text
    assert "not yet in the balance" in text.replace("\n", " ") or "not in the balance" in text
    pages = h.pdf_pages(pdf)
    assert all(f"Page {n} of {pages}" in text for n in range(1, pages + 1))
    assert "month to date" not in text.lower()


def test_same_data_same_bytes_and_a_long_statement_repeats_its_headers(app, db):
    h.program()
    summer, winter = h.offers()
    partner = h.seeded_partner(summer, winter)
    for i in range(60):
        h._commission(partner, summer, "1.00", "approved", h.utc(2025, 3, 14, 12), h.utc(2025, 3, 15),
                      order=f"BULK-{i:05d}")
    zone = ZoneInfo(h.NY)
    first = render.render(statement_data.build(partner.id, MARCH, now=LATER, zone=zone, currency="USD"))
    again = render.render(statement_data.build(partner.id, MARCH, now=utcnow(), zone=zone, currency="USD"))
    assert first == again
    pages = h.pdf_pages(first)
    assert pages >= 3
    text = h.pdf_text(first)
    assert f"Page {pages} of {pages}" in text
    # The commissions table header is on every page it spans.
    assert text.count("How computed") >= 2


def test_current_month_is_marked_month_to_date(app, db):
    h.program(timezone="UTC")
    partner = PartnerFactory(approved_at=h.utc(2025, 1, 1))
    now = utcnow()
    month = Month.of(now, ZoneInfo("UTC"))
    data = statement_data.build(partner.id, month, now=now, zone=ZoneInfo("UTC"), currency="USD")
    assert data.month_to_date and data.as_of == now
    assert "Month to date" in h.pdf_text(render.render(data))


def test_generate_stores_one_current_statement_each_and_runs_again_harmlessly(app, db):
    h.program()
    endpoint = WebhookEndpoint(url="https://hooks.example.com/x", events="statement.ready", secrets=["s"])
    db.session.add(endpoint)
    summer, winter = h.offers()
    partners = [h.seeded_partner(summer, winter) for _ in range(3)]
    PartnerFactory(status="applied")  # not due a statement
    PartnerFactory(approved_at=h.utc(2025, 4, 2))  # joined after March
    db.session.commit()
    summary = generate(app)
    assert (summary.eligible, summary.generated, summary.already, summary.failed) == (3, 3, 0, [])
    again = generate(app)
    assert (again.generated, again.already) == (0, 3)
    rows = db.session.scalars(select(Statement)).all()
    assert sorted(r.partner_id for r in rows) == sorted(p.id for p in partners)
    for row in rows:
        assert row.version == 1 and row.superseded_at is None and not row.month_to_date
        assert row.closing_balance == h.EXPECTED["closing"]
        assert row.sha256 == render.sha256(row.pdf) and row.size == len(row.pdf)
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery).where(
        WebhookDelivery.event == "statement.ready")) == 3


def test_regenerating_makes_an_audited_new_version_and_keeps_the_old(app, db):
    h.program()
    partner = h.seeded_partner()
    db.session.commit()
    generate(app)
    old = store.current(partner.id, MARCH)
    same = store.regenerate(old.id, actor=Actor.system("test"), now=utcnow())
    db.session.commit()
    assert same.version == 2 and same.sha256 == old.sha256  # nothing changed: same bytes
    # A late correction changes the figures: a new version with a new hash.
    h._commission(partner, None, "5.00", "approved", h.utc(2025, 3, 18), h.utc(2025, 3, 18),
                  kind="bonus", explanation="Correction")
    newest = store.regenerate(same.id, actor=Actor.system("test"), now=utcnow())
    db.session.commit()
    assert newest.version == 3 and newest.sha256 != same.sha256
    assert newest.closing_balance == h.EXPECTED["closing"] + 5
    versions = db.session.scalars(select(Statement).where(Statement.partner_id == partner.id)
                                  .order_by(Statement.version)).all()
    assert [v.superseded_at is None for v in versions] == [False, False, True]
    assert versions[0].pdf == old.pdf  # the old bytes are kept
    audits = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "statement.regenerate")).all()
    assert len(audits) == 2 and audits[-1].before["version"] == 2 and audits[-1].after["version"] == 3


def test_a_second_current_version_is_refused_by_the_database(app, db):
    from sqlalchemy.exc import IntegrityError

    h.program()
    partner = h.seeded_partner()
    db.session.commit()
    generate(app)
    old = store.current(partner.id, MARCH)
    twin = Statement(partner_id=partner.id, month=old.month, version=2, currency="USD",
                     as_of=old.as_of, opening_balance=0, closing_balance=0, credits=0, debits=0,
                     pending_amount=0, sha256="0" * 64, size=1, pdf=b"x")
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


# --- pages -----------------------------------------------------------------------------

def test_admin_sees_the_month_previews_and_downloads_csv(app, db, client, login_as):
    h.program()
    partner = h.seeded_partner(name="Grace Hopper")
    db.session.commit()
    generate(app)
    login_as("analyst")
    page = client.get("/admin/statements?month=2025-03")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Grace Hopper" in html and "$89.99" in html and "not emailed" in html
    assert "Regenerate" not in html  # analysts read only
    statement = store.current(partner.id, MARCH)
    pdf = client.get(f"/admin/statements/{statement.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("inline")
    assert pdf.data == statement.pdf
    csv = client.get("/admin/statements?month=2025-03&format=csv").get_data(as_text=True)
    assert "Grace Hopper" in csv and "89.99" in csv and statement.sha256 in csv
    assert client.post(f"/admin/statements/{statement.id}/regenerate").status_code == 403
    bad = client.get("/admin/statements?month=2999-01").get_data(as_text=True)
    assert "has not started yet" in bad


def test_finance_regenerates_from_the_page(app, db, client, login_as):
    h.program()
    partner = h.seeded_partner()
    db.session.commit()
    generate(app)
    statement = store.current(partner.id, MARCH)
    login_as("finance")
    response = client.post(f"/admin/statements/{statement.id}/regenerate")
    assert response.status_code == 302
    db.session.expire_all()
    assert store.current(partner.id, MARCH).version == 2
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "regenerated as version 2" in html


def test_partner_lists_and_downloads_only_their_own(app, db, client, login_as):
    h.program()
    other = h.seeded_partner()
    db.session.commit()
    user = login_as("partner", approved_at=h.utc(2025, 1, 1))
    h._commission(user.partner, None, "30.00", "approved", h.utc(2025, 3, 3), h.utc(2025, 3, 3),
                  kind="bonus", explanation="Launch bonus")
    db.session.commit()
    generate(app)
    mine = store.current(user.partner_id, MARCH)
    theirs = store.current(other.id, MARCH)
    html = client.get("/partner/statements").get_data(as_text=True)
    assert "2025-03" in html and "$30.00" in html and "$89.99" not in html
    download = client.get(f"/partner/statements/{mine.id}.pdf")
    assert download.status_code == 200 and download.data == mine.pdf
    assert "$30.00" in h.pdf_text(download.data)
    assert client.get(f"/partner/statements/{theirs.id}.pdf").status_code == 404
    # An old version is not offered once a corrected one exists.
    newer = store.regenerate(mine.id, actor=Actor.system("test"), now=utcnow())
    db.session.commit()
    assert client.get(f"/partner/statements/{mine.id}.pdf").status_code == 404
    assert client.get(f"/partner/statements/{newer.id}.pdf").status_code == 200


def test_partner_turns_statement_emails_off(app, db, client, login_as):
    user = login_as("partner")
    assert user.partner.statement_emails is True
    response = client.post("/partner/statements", data={"statement_emails": ""})  # unticked
    assert response.status_code == 302
    db.session.refresh(user.partner)
    assert user.partner.statement_emails is False
    client.post("/partner/statements", data={"statement_emails": "y"})
    db.session.refresh(user.partner)
    assert user.partner.statement_emails is True


# --- API -------------------------------------------------------------------------------

def test_api_lists_with_a_cursor_and_serves_the_pdf(app, db, client):
    h.program()
    summer, winter = h.offers()
    partners = [h.seeded_partner(summer, winter) for _ in range(3)]
    db.session.commit()
    generate(app)
    key = create_key(app)
    auth = {"Authorization": f"Bearer {key}"}
    first = client.get("/api/v1/statements?month=2025-03&limit=2", headers=auth).get_json()
    assert len(first["data"]) == 2 and first["next_cursor"]
    second = client.get(f"/api/v1/statements?month=2025-03&limit=2&cursor={first['next_cursor']}",
                        headers=auth).get_json()
    assert len(second["data"]) == 1 and second["next_cursor"] is None
    ids = [s["partner_id"] for s in first["data"] + second["data"]]
    assert sorted(ids) == sorted(p.id for p in partners)
    one = client.get(f"/api/v1/statements?partner_id={partners[0].id}", headers=auth).get_json()
    assert [s["closing_balance"] for s in one["data"]] == ["89.99"]
    assert one["data"][0]["opening_balance"] == "100.00" and one["data"][0]["month"] == "2025-03"
    pdf = client.get(one["data"][0]["pdf_url"], headers=auth)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert render.sha256(pdf.data) == one["data"][0]["sha256"]


@pytest.mark.parametrize("query, field", [
    ("month=2025-13", "month"), ("month=March", "month"), ("month=2999-01", "month"),
    ("partner_id=abc", "partner_id"), ("limit=0", "limit"), ("cursor=%%%", "cursor"),
    ("cursor=eyJ4IjoxfQ", "cursor"),
])
def test_api_names_the_bad_parameter(app, db, client, query, field):
    key = create_key(app)
    response = client.get(f"/api/v1/statements?{query}", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json" and response.get_json()["field"] == field


def test_api_needs_a_key_and_a_real_statement(app, db, client):
    assert client.get("/api/v1/statements").status_code == 401
    assert client.get("/api/v1/statements/1/pdf").status_code == 401
    key = create_key(app)
    missing = client.get("/api/v1/statements/999/pdf", headers={"Authorization": f"Bearer {key}"})
    assert missing.status_code == 404


# --- CLI -------------------------------------------------------------------------------

def test_cli_generates_with_a_summary_and_refuses_bad_months(app, db):
    h.program()
    h.seeded_partner()
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["statements", "generate", "--month", "2025-03", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "2025-03: 1 generated, 0 already there, 0 failed, of 1 partners" in result.output
    again = runner.invoke(args=["statements", "generate", "--month", "2025-03", "--workers", "1"])
    assert "0 generated, 1 already there" in again.output
    for bad in ("2025-3", "2999-01", "13-2025"):
        refused = runner.invoke(args=["statements", "generate", "--month", bad])
        assert refused.exit_code != 0 and "--month" in refused.output
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "statements.generate")) == 2


def test_cli_waits_for_nobody_while_another_run_holds_the_lock(app, db):
    from partner_portal.jobs.runner import job_lock

    with job_lock(app, "monthly-statements") as held:
        assert held
        result = app.test_cli_runner().invoke(args=["statements", "generate", "--month", "2025-03"])
    assert result.exit_code != 0 and "another process" in result.output


def test_the_statement_a_partner_downloads_is_a_tagged_pdf_ua_document(app, db, client, login_as):
    """Screen readers get a structure tree: the PDF is tagged (StructTreeRoot, MarkInfo
    /Marked true), says its language and title, and identifies itself as PDF/UA-1 in its
    XMP metadata; it is still the same bytes for the same data."""
    import io

    from pypdf import PdfReader

    h.program()
    user = login_as("partner", approved_at=h.utc(2025, 1, 1))
    h._commission(user.partner, None, "30.00", "approved", h.utc(2025, 3, 3), h.utc(2025, 3, 3),
                  kind="bonus", explanation="Launch bonus")
    db.session.commit()
    generate(app)
    mine = store.current(user.partner_id, MARCH)
    download = client.get(f"/partner/statements/{mine.id}.pdf")
    assert download.status_code == 200
    reader = PdfReader(io.BytesIO(download.data))
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert catalog["/StructTreeRoot"].get_object()["/Type"] == "/StructTreeRoot"
    assert catalog["/MarkInfo"]["/Marked"].value is True
    assert str(catalog["/Lang"]) == "en"
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert "Commission statement 2025-03" in reader.metadata.title
    xmp = catalog["/Metadata"].get_object().get_data()
    assert b"http://www.aiim.org/pdfua/ns/id/" in xmp and b'pdfuaid:part="1"' in xmp
    # Tagging reads no clock: rendering the same data again gives the same bytes.
    again = render.render(statement_data.build(user.partner_id, MARCH, now=utcnow(),
                                               zone=ZoneInfo(h.NY), currency="USD"))
    assert again == download.data


def test_a_commission_approved_after_the_month_shows_as_pending_then(app, db):
    """A statement is the month as it ended: a March commission approved (and paid) in April
    is listed as pending in March with the day it was credited, is in March's pending
    total, and is credited in April's statement."""
    h.program()
    summer, winter = h.offers()
    partner = h.seeded_partner(summer, winter)
    h._commission(partner, summer, "15.00", "paid", h.utc(2025, 3, 25, 16), h.utc(2025, 4, 8, 11),
                  order=f"SLOW-{partner.id}-15", paid_at=h.utc(2025, 4, 20, 12))
    zone = ZoneInfo(h.NY)
    march = statement_data.build(partner.id, MARCH, now=LATER, zone=zone, currency="USD")
    line = next(c for c in march.commissions if c.amount == 15)
    assert (line.status, line.in_balance, str(line.credited_later)) == ("pending", False, "2025-04-08")
    assert march.pending_total == h.EXPECTED["pending"] + 15
    assert march.closing == h.EXPECTED["closing"]
    text = h.pdf_text(render.render(march)).replace("\n", " ")
    assert "credited 08 Apr 2025" in text
    april = statement_data.build(partner.id, Month(2025, 4), now=LATER, zone=zone, currency="USD")
    assert april.commissions_total == 15 and april.opening == march.closing
    assert april.closing == march.closing + 15
