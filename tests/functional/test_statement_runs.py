"""Statement runs: killed halfway (SIGKILL, real processes) the next run does the rest with
no duplicates; a pool of worker processes renders; hostile partner text stays text; the
scheduled job's next run in the program zone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from partner_portal import pdf as pdf_adapter
from partner_portal.jobs import registry, runner, scheduler
from partner_portal.jobs import statements as runs
from partner_portal.models import Statement, StatementEmail
from partner_portal.services.statements import data as statement_data
from partner_portal.services.statements import render
from partner_portal.services.statements.months import Month

from ..factories import PartnerFactory
from ..support import statements as h

ROOT = Path(__file__).resolve().parents[2]
MARCH = Month(2025, 3)
LATER = datetime(2025, 6, 1, tzinfo=timezone.utc)


def many_partners(db, count):
    h.program()
    summer, winter = h.offers()
    partners = [PartnerFactory(approved_at=h.utc(2025, 1, 1)) for _ in range(count)]
    for p in partners:
        h._commission(p, summer, "12.50", "approved", h.utc(2025, 3, 5), h.utc(2025, 3, 6),
                      order=f"K-{p.id}-1")
    db.session.commit()
    return partners


def statement_count(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Statement))


@pytest.mark.slow
def test_killed_halfway_the_next_run_finishes_without_duplicates(app, db, tmp_path):
    partners = many_partners(db, 40)
    env = {**os.environ, "APP_ENV": "testing", "SECRET_KEY": app.config["SECRET_KEY"],
           "PYTHONPATH": str(ROOT),
           "TEST_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "INSTANCE_DIR": app.instance_path}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "statements", "generate",
               "--month", "2025-03", "--workers", "2"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while statement_count(db) < 5 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)  # the run and its worker processes
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    done_before = statement_count(db)
    assert 5 <= done_before < len(partners), process.stdout.read().decode()[-2000:]

    again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"{len(partners) - done_before} generated, {done_before} already there" in again.stdout
    db.session.rollback()
    per_partner = dict(db.session.execute(
        select(Statement.partner_id, func.count()).group_by(Statement.partner_id)).all())
    assert per_partner == {p.id: 1 for p in partners}
    versions = set(db.session.scalars(select(Statement.version)))
    assert versions == {1}
    for statement in db.session.scalars(select(Statement)):
        assert render.sha256(statement.pdf) == statement.sha256
        assert "$12.50" in h.pdf_text(statement.pdf)


@pytest.mark.slow
def test_rendering_processes_are_replaced_and_the_run_still_completes(app, db, monkeypatch):
    """Each worker makes at most STATEMENT_WORKER_TASKS statements, then a fresh process
    takes over (WeasyPrint's memory never builds up); even one worker renders out of
    process once the run is larger than that."""
    many_partners(db, 3)
    monkeypatch.setitem(app.config, "STATEMENT_WORKER_TASKS", 1)
    seen = []
    real = runs._store

    def store(data, pdf, **kwargs):
        seen.append(data.partner_id)
        return real(data, pdf, **kwargs)

    monkeypatch.setattr(runs, "_store", store)
    summary = runs.generate(app, MARCH, now=LATER, workers=1)
    assert summary.generated == 3 and not summary.failed and len(seen) == 3
    assert statement_count(db) == 3


@pytest.mark.slow
def test_a_pool_of_workers_renders_the_same_bytes_as_one_process(app, db):
    partners = many_partners(db, 4)
    summary = runs.generate(app, MARCH, now=LATER, workers=2)
    assert summary.workers == 2 and summary.generated == 4 and not summary.failed
    zone = ZoneInfo(h.NY)
    for p in partners:
        stored = db.session.scalar(select(Statement).where(Statement.partner_id == p.id))
        alone = render.render(statement_data.build(p.id, MARCH, now=LATER, zone=zone, currency="USD"))
        assert stored.pdf == alone


def test_scheduled_job_makes_last_months_statements_and_emails_them(app, db, smtp_server,
                                                                     monkeypatch):
    monkeypatch.setitem(app.config, "STATEMENT_WORKERS", 1)
    h.program()
    partner = h.seeded_partner()
    db.session.commit()
    # 1 April 2025, 10:00 UTC = 06:00 in New York: the job's moment.
    record = runner.run(app, registry.get("monthly-statements"), now=h.utc(2025, 4, 1, 10))
    assert record.status == "succeeded", record.error
    assert "2025-03: 1 generated" in record.result and "1 sent" in record.result
    [message] = smtp_server.wait_for(1)
    assert message["To"] == partner.email
    db.session.expire_all()
    assert db.session.scalar(select(StatementEmail.status)) == "sent"
    again = runner.run(app, registry.get("monthly-statements"), now=h.utc(2025, 4, 1, 10, 5))
    assert again.status == "succeeded" and "0 generated, 1 already there" in again.result
    assert len(smtp_server.wait_for(2, timeout=0.5)) == 1


NY = ZoneInfo("America/New_York")


@pytest.mark.parametrize("after, hour, expected_local", [
    (datetime(2026, 1, 15, 9, 0, tzinfo=NY), 6, datetime(2026, 2, 1, 6, 0)),
    (datetime(2026, 1, 31, 23, 59, tzinfo=NY), 6, datetime(2026, 2, 1, 6, 0)),
    (datetime(2027, 2, 28, 12, 0, tzinfo=NY), 7, datetime(2027, 3, 1, 7, 0)),
    (datetime(2026, 12, 31, 22, 0, tzinfo=NY), 6, datetime(2027, 1, 1, 6, 0)),
    # 1 November 2026: New York leaves DST at 02:00 that very morning.
    (datetime(2026, 10, 31, 12, 0, tzinfo=NY), 6, datetime(2026, 11, 1, 6, 0)),
    # Just after this month's run: the next is a month away.
    (datetime(2026, 3, 1, 6, 0, 1, tzinfo=NY), 6, datetime(2026, 4, 1, 6, 0)),
])
def test_monthly_statements_next_run_in_the_program_zone(after, hour, expected_local):
    job = registry.get("monthly-statements")
    fire = scheduler.trigger_for(job, NY, {"STATEMENT_HOUR": hour}).get_next_fire_time(None, after)
    local = fire.astimezone(NY)
    assert local.replace(tzinfo=None) == expected_local
    assert fire.utcoffset() is not None
    assert fire.astimezone(timezone.utc).hour == hour + (5 if local.dst().total_seconds() == 0 else 4)


def test_statement_hour_comes_from_the_config(app):
    with app.app_context():
        app.config["STATEMENT_HOUR"] = 9
        try:
            upcoming = scheduler.next_run_times(NY, datetime(2026, 5, 10, tzinfo=NY))
        finally:
            app.config["STATEMENT_HOUR"] = 6
    assert upcoming["monthly-statements"].astimezone(NY).replace(tzinfo=None) == datetime(2026, 6, 1, 9, 0)


def test_hostile_partner_text_is_printed_as_text_and_nothing_is_fetched(app, db, monkeypatch, tmp_path):
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    fetched = []
    real_fetch = pdf_adapter.StaticOnlyFetcher.fetch

    def recording_fetch(self, url, headers=None):
        fetched.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(pdf_adapter.StaticOnlyFetcher, "fetch", recording_fetch)
    h.program(name=f'Shop <img src="{base}/program.png">', address=f'<link rel=stylesheet href="{base}/a.css">')
    offer_name = f'<iframe src="file://{secret}"></iframe>Boots'
    summer, winter = h.offers()
    summer.name = offer_name
    name = f'<img src="{base}/name.png"><script>alert(1)</script>Eve'
    partner = h.seeded_partner(summer, winter, name=name,
                               company=f'<object data="file://{secret}"></object>',
                               email="eve@example.test")
    h._commission(partner, summer, "1.00", "approved", h.utc(2025, 3, 9), h.utc(2025, 3, 9),
                  order='<img src="http://169.254.169.254/latest/meta-data/">',
                  explanation=f'<style>@import url("{base}/x.css"); '
                              f'body {{ background: url("file://{secret}") }}</style>')
    db.session.commit()
    try:
        data = statement_data.build(partner.id, MARCH, now=LATER, zone=ZoneInfo(h.NY), currency="USD")
        pdf = render.render(data)
    finally:
        server.shutdown()
    assert hits == []
    assert fetched and all(url.startswith("static:") for url in fetched), fetched
    assert b"TOP-SECRET" not in pdf
    text = h.pdf_text(pdf)
    assert "<script>alert(1)</script>Eve" in text.replace("\n", "")
    assert "<iframe src=" in text and "@import url(" in text
    assert '<link rel=stylesheet href="' in text.replace("\n", "")
    assert "169.254.169.254" not in text  # the order reference is masked
