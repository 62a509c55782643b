"""Statement emails go out once per partner and month: through a real SMTP server, across
runs, retries and a crash at each step of a delivery."""

from __future__ import annotations

import smtplib
from datetime import datetime, timezone

import pytest
from markupsafe import escape
from sqlalchemy import select

from partner_portal.jobs import statements as runs
from partner_portal.mail import tracked
from partner_portal.models import AuditEntry, StatementEmail
from partner_portal.services.statements import outbox, store
from partner_portal.services.statements.months import Month

from ..support import statements as h

MARCH = Month(2025, 3)
LATER = datetime(2025, 6, 1, tzinfo=timezone.utc)


class Crash(BaseException):
    """Stands for the process dying: nothing in the code under test catches it."""


def setup_month(app, db, count=2, **partner_fields):
    h.program()
    summer, winter = h.offers()
    partners = [h.seeded_partner(summer, winter, **partner_fields) for _ in range(count)]
    db.session.commit()
    runs.generate(app, MARCH, now=LATER, workers=1)
    runs.queue_emails(MARCH, now=LATER)
    return partners


def rows(db):
    db.session.expire_all()
    return {r.partner_id: r for r in db.session.scalars(select(StatementEmail))}


def test_each_partner_gets_the_pdf_by_smtp_once(app, db, smtp_server):
    partners = setup_month(app, db)
    counts = runs.deliver_emails(app, month=MARCH)
    assert counts["sent"] == 2
    messages = smtp_server.wait_for(2)
    assert sorted(m["To"] for m in messages) == sorted(p.email for p in partners)
    for message in messages:
        assert "your statement for March 2025" in message["Subject"]
        body = message.get_body(("plain",)).get_content()
        assert "$89.99" in body and "/partner/statements" in body
        [attachment] = list(message.iter_attachments())
        assert attachment.get_content_type() == "application/pdf"
        pdf = attachment.get_content()
        partner_id = next(p.id for p in partners if p.email == message["To"])
        assert pdf == store.current(partner_id, MARCH).pdf
        assert "$89.99" in h.pdf_text(pdf)
    sent = rows(db)
    assert all(r.status == "sent" and r.attempts == 1 for r in sent.values())
    assert {m["Message-ID"] for m in messages} == {r.message_id for r in sent.values()}
    # Again, and again with --email from the CLI: nothing more is sent.
    runs.queue_emails(MARCH, now=LATER)
    assert runs.deliver_emails(app, month=MARCH) == {}
    result = app.test_cli_runner().invoke(
        args=["statements", "generate", "--month", "2025-03", "--email", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert len(smtp_server.wait_for(3, timeout=0.5)) == 2


def test_partners_who_opted_out_are_skipped_and_shown(app, db, smtp_server, client, login_as):
    setup_month(app, db, count=1, statement_emails=False)
    assert runs.deliver_emails(app, month=MARCH) == {}
    [row] = rows(db).values()
    assert row.status == "skipped"
    assert smtp_server.wait_for(1, timeout=0.3) == []
    login_as("analyst")
    html = client.get("/admin/statements?month=2025-03&status=skipped").get_data(as_text=True)
    assert "Skipped" in html and "turned statement emails off" in html


# --- a crash at each step ----------------------------------------------------------------

def test_crash_after_claiming_before_smtp_is_not_resent_by_the_machine(app, db, smtp_server, monkeypatch):
    setup_month(app, db, count=1)

    def dies(mail, message_id):
        raise Crash()

    monkeypatch.setattr(tracked, "transmit", dies)
    with pytest.raises(Crash):
        runs.deliver_emails(app, month=MARCH)
    db.session.rollback()
    [row] = rows(db).values()
    assert row.status == "sending"
    monkeypatch.undo()
    counts = runs.deliver_emails(app, month=MARCH)  # the next run
    assert counts == {"interrupted (now failed)": 1}
    [row] = rows(db).values()
    assert row.status == "failed" and "may or may not have been delivered" in row.last_error
    assert smtp_server.wait_for(1, timeout=0.3) == []


def test_crash_after_smtp_accepted_before_recording_never_sends_twice(app, db, smtp_server, monkeypatch):
    setup_month(app, db, count=1)
    real = tracked.transmit

    def accepted_then_dies(mail, message_id):
        real(mail, message_id)
        raise Crash()

    monkeypatch.setattr(tracked, "transmit", accepted_then_dies)
    with pytest.raises(Crash):
        runs.deliver_emails(app, month=MARCH)
    db.session.rollback()
    monkeypatch.undo()
    assert len(smtp_server.wait_for(1)) == 1
    runs.deliver_emails(app, month=MARCH)
    runs.deliver_emails(app, month=MARCH)
    [row] = rows(db).values()
    assert row.status == "failed"
    assert len(smtp_server.wait_for(2, timeout=0.5)) == 1  # still exactly one


def test_crash_after_recording_sent_changes_nothing(app, db, smtp_server, monkeypatch):
    partners = setup_month(app, db, count=2)
    real_claim = outbox.claim
    calls = []

    def second_claim_dies(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise Crash()
        return real_claim(*args, **kwargs)

    monkeypatch.setattr(outbox, "claim", second_claim_dies)
    with pytest.raises(Crash):
        runs.deliver_emails(app, month=MARCH)
    db.session.rollback()
    monkeypatch.undo()
    states = rows(db)
    assert sorted(r.status for r in states.values()) == ["pending", "sent"]
    runs.deliver_emails(app, month=MARCH)
    assert sorted(r.status for r in rows(db).values()) == ["sent", "sent"]
    messages = smtp_server.wait_for(3, timeout=0.5)
    assert sorted(m["To"] for m in messages) == sorted(p.email for p in partners)


def test_admin_resends_a_failed_email_once_and_it_is_audited(app, db, smtp_server, monkeypatch,
                                                             client, login_as, make_user):
    from ..conftest import login

    setup_month(app, db, count=1)

    def dies(mail, message_id):
        raise Crash()

    monkeypatch.setattr(tracked, "transmit", dies)
    with pytest.raises(Crash):
        runs.deliver_emails(app, month=MARCH)
    db.session.rollback()
    monkeypatch.undo()
    runs.deliver_emails(app, month=MARCH)
    [row] = rows(db).values()
    assert row.status == "failed"
    analyst = app.test_client()
    login(analyst, make_user("analyst").email)
    assert analyst.post(f"/admin/statements/emails/{row.id}/resend").status_code == 403
    login_as("finance")
    page = client.get("/admin/statements?month=2025-03&status=failed").get_data(as_text=True)
    assert "Resend email" in page and str(escape(row.message_id)) in page
    response = client.post(f"/admin/statements/emails/{row.id}/resend")
    assert response.status_code == 302
    assert "Statement emailed to" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert len(smtp_server.wait_for(1)) == 1
    [row] = rows(db).values()
    assert row.status == "sent" and row.attempts == 2
    # A second press does nothing: only failed emails can be resent.
    client.post(f"/admin/statements/emails/{row.id}/resend")
    assert len(smtp_server.wait_for(2, timeout=0.5)) == 1
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "statement.resend"))


# --- what the server says ----------------------------------------------------------------

class Refusing:
    """An SMTP handler that refuses every message with ``code``."""

    def __init__(self, code: int):
        self.code = code
        self.seen = 0

    async def handle_DATA(self, server, session, envelope):
        self.seen += 1
        return f"{self.code} Not now"


@pytest.fixture()
def refusing_server(app):
    from aiosmtpd.controller import Controller

    from ..conftest import free_port

    def start(code):
        handler = Refusing(code)
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        return handler

    started = []
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT")}
    yield start
    app.config.update(saved)
    for controller in started:
        controller.stop()


def test_a_temporary_refusal_is_retried_then_given_up(app, db, refusing_server):
    setup_month(app, db, count=1)
    handler = refusing_server(451)
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        runs.deliver_emails(app, month=MARCH)
        [row] = rows(db).values()
        assert row.attempts == attempt
    assert row.status == "failed" and "451" in row.last_error and "Not delivered" in row.last_error
    assert handler.seen == outbox.MAX_ATTEMPTS


def test_a_permanent_refusal_fails_at_once(app, db, refusing_server):
    setup_month(app, db, count=1)
    refusing_server(554)
    runs.deliver_emails(app, month=MARCH)
    [row] = rows(db).values()
    assert (row.status, row.attempts) == ("failed", 1) and "554" in row.last_error


def test_no_server_at_all_is_a_provable_non_delivery(app, db, monkeypatch):
    from ..conftest import free_port

    setup_month(app, db, count=1)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    runs.deliver_emails(app, month=MARCH)
    [row] = rows(db).values()
    assert row.status == "pending" and row.attempts == 1 and "could not connect" in row.last_error


def test_a_connection_lost_mid_message_is_unknown_not_retried(app, db, monkeypatch):
    setup_month(app, db, count=1)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")

    class Breaks(smtplib.SMTP):
        def __init__(self, *args, **kwargs):
            pass

        def send_message(self, message):
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

        def quit(self):
            raise smtplib.SMTPServerDisconnected()

        def close(self):
            pass

    monkeypatch.setattr(smtplib, "SMTP", Breaks)
    runs.deliver_emails(app, month=MARCH)
    [row] = rows(db).values()
    assert row.status == "failed" and "may or may not have been delivered" in row.last_error
