"""Managers make a month's statements from the admin Statements page: the page queues a
run, the scheduler's statement-runs job makes it with the statements generation the
command line uses, and the page shows its progress and its errors. Pressing twice (or 20
people at once) queues one run."""

from __future__ import annotations

import threading
import traceback

import pytest
from sqlalchemy import func, select

from partner_portal.jobs import registry, runner
from partner_portal.models import AuditEntry, JobRun, Statement, StatementRun
from partner_portal.services.statements import render as statement_render

from ..factories import StaffFactory
from ..support import login
from ..support import statements as h
from ..support.conversions import no_errors, parallel_requests


@pytest.fixture()
def march(app, db, monkeypatch):
    """Three partners with the helper's March 2025 ledger; one rendering process."""
    monkeypatch.setitem(app.config, "STATEMENT_WORKERS", 1)
    h.program()
    summer, winter = h.offers()
    partners = [h.seeded_partner(summer, winter) for _ in range(3)]
    db.session.commit()
    return partners


def _run_job(app) -> JobRun:
    return runner.run(app, registry.get("statement-runs"))


def _runs(db) -> list[StatementRun]:
    db.session.rollback()  # a fresh snapshot: what the requests and the job committed
    return db.session.scalars(select(StatementRun).order_by(StatementRun.id)).all()


def test_a_manager_makes_a_month_of_statements_from_the_page(app, db, client, login_as, march):
    login_as("manager")
    page = client.get("/admin/statements?month=2025-03").get_data(as_text=True)
    assert 'type="month"' in page and 'name="month"' in page and "Make statements" in page
    assert "/static/js/statement-run.js" in page and "https://" not in page.split("<script")[1]

    response = client.post("/admin/statements/runs", data={"month": "2025-03"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/statements?month=2025-03"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Statements for March 2025 are queued" in page
    assert "waiting for the scheduler" in page
    # A second press (a double click) queues nothing more.
    again = client.post("/admin/statements/runs", data={"month": "2025-03"})
    assert "already queued" in client.get(again.headers["Location"]).get_data(as_text=True)
    runs = _runs(db)
    assert len(runs) == 1 and runs[0].status == "queued" and runs[0].email is False
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "statements.request")) == 1

    record = _run_job(app)
    assert record.status == "succeeded", record.error
    assert "3 generated" in record.result
    run = _runs(db)[0]
    assert (run.status, run.total, run.rendered, run.failed) == ("succeeded", 3, 3, 0)
    assert db.session.scalar(select(func.count()).select_from(Statement)) == 3
    page = client.get("/admin/statements?month=2025-03").get_data(as_text=True)
    assert "3 of 3 rendered, 0 already there" in page
    assert 'data-open="false"' in page
    progress = client.get(f"/admin/statements/runs/{run.id}.json").get_json()
    assert progress["status"] == "succeeded" and progress["open"] is False
    assert (progress["rendered"], progress["total"]) == (3, 3)
    # Nothing left to do: the job finds no queued run.
    assert _run_job(app).result == "no statement runs queued"
    # Asking again for a month that is done makes a run with nothing to render.
    client.post("/admin/statements/runs", data={"month": "2025-03"})
    _run_job(app)
    last = _runs(db)[-1]
    assert (last.status, last.total, last.rendered, last.already) == ("succeeded", 0, 0, 3)
    assert db.session.scalar(select(func.count()).select_from(Statement)) == 3


def test_the_page_shows_progress_while_the_run_goes_and_its_errors(app, db, client, login_as,
                                                                   march, monkeypatch):
    import partner_portal.jobs.statements as runs_module

    monkeypatch.setattr(runs_module, "PROGRESS_EVERY", 0)
    login_as("finance")
    client.post("/admin/statements/runs", data={"month": "2025-03", "email": "y"})
    run_id = _runs(db)[0].id
    real_render, seen, calls = statement_render.render, [], []
    progress_url = f"/admin/statements/runs/{run_id}.json"
    watcher = app.test_client()
    watcher.set_cookie(app.config["SESSION_COOKIE_NAME"],
                       client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value)

    def look():  # what the page's script sees, from another connection, mid-run
        try:
            seen.append(watcher.get(progress_url).get_json())
        except Exception:
            seen.append(traceback.format_exc())

    def render(data):
        calls.append(data.partner_id)
        if len(calls) == 3:
            thread = threading.Thread(target=look)
            thread.start()
            thread.join()
            raise RuntimeError("font cache is broken")
        return real_render(data)

    monkeypatch.setattr(statement_render, "render", render)
    record = _run_job(app)
    assert record.status == "succeeded"  # the job ran; the run says what failed
    assert seen[0]["status"] == "running" and seen[0]["open"] is True, seen
    assert (seen[0]["rendered"], seen[0]["total"]) == (2, 3)
    run = _runs(db)[0]
    assert (run.status, run.rendered, run.failed, run.total) == ("failed", 2, 1, 3)
    assert f"partner #{calls[2]}: RuntimeError: font cache is broken" in run.error
    page = client.get("/admin/statements?month=2025-03").get_data(as_text=True)
    assert "2 of 3 rendered, 1 failed" in page
    assert "RuntimeError: font cache is broken" in page
    # Asking again makes the missing one (the run carries on where the last stopped).
    monkeypatch.setattr(statement_render, "render", real_render)
    client.post("/admin/statements/runs", data={"month": "2025-03"})
    _run_job(app)
    last = _runs(db)[-1]
    assert (last.status, last.rendered, last.already) == ("succeeded", 1, 2)


def test_a_bad_month_is_named_and_nothing_is_queued(app, db, client, login_as, march):
    login_as("manager")
    for value, message in (("2025-13", "Enter a month as YYYY-MM"), ("March", "Enter a month"),
                           ("", "Enter a month"), ("2999-01", "That month has not started yet.")):
        response = client.post("/admin/statements/runs", data={"month": value})
        assert response.status_code == 400, value
        html = response.get_data(as_text=True)
        assert message in html and 'id="month-error"' in html, value
    assert _runs(db) == []


def test_analysts_cannot_make_statements(app, db, client, login_as, march):
    login_as("analyst")
    assert "Make statements" not in client.get("/admin/statements?month=2025-03").get_data(as_text=True)
    assert client.post("/admin/statements/runs", data={"month": "2025-03"}).status_code == 403
    assert _runs(db) == []


def test_a_run_left_running_by_a_dead_process_is_made_by_the_next_tick(app, db, march):
    db.session.add(StatementRun(month="2025-03", status="running", requested_by_label="x@y.z",
                                total=3, rendered=1))
    db.session.commit()
    record = _run_job(app)
    assert record.status == "succeeded"
    run = _runs(db)[0]
    assert (run.status, run.rendered, run.total) == ("succeeded", 3, 3)


@pytest.mark.slow
def test_twenty_presses_at_once_queue_one_run(app, db, march):
    manager = StaffFactory(role="manager")
    db.session.commit()
    first = app.test_client()
    assert login(first, manager.email).status_code == 302
    cookie = first.get_cookie(app.config["SESSION_COOKIE_NAME"])
    results = parallel_requests(
        app, 20, lambda c: c.post("/admin/statements/runs", data={"month": "2025-03"}), cookie=cookie)
    no_errors(results)
    assert [r.status_code for r in results] == [302] * 20
    runs = _runs(db)
    assert len(runs) == 1 and runs[0].status == "queued"
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "statements.request")) == 1
