"""A manager makes March's statements from the Statements page: picks the month, presses
the button, watches the progress update on the page while the scheduler's job renders
them, and sees the list when it is done."""

from __future__ import annotations

import re
import threading
import time

import pytest
from playwright.sync_api import expect

from partner_portal.jobs import registry, runner
from partner_portal.services.statements import render as statement_render

from ..support import DEFAULT_PASSWORD
from ..support import statements as h
from .conftest import DESKTOP, PHONE, shot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport, label", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_manager_makes_statements_and_watches_the_progress(new_page, make_user, db, app,
                                                           monkeypatch, viewport, label):
    monkeypatch.setitem(app.config, "STATEMENT_WORKERS", 1)
    h.program()
    summer, winter = h.offers()
    partners = [h.seeded_partner(summer, winter, name=f"Partner {n}") for n in ("Ana", "Ben", "Cleo")]
    manager = make_user("manager")
    db.session.commit()

    page = new_page(viewport)
    page.goto("/login")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/")
    page.goto("/admin/statements?month=2025-03")
    page.get_by_label("Month to make").fill("2025-03")
    shot(page, f"statements-make-form-{label}")
    page.get_by_role("button", name="Make statements").click()
    expect(page.locator(".flash")).to_contain_text("Statements for March 2025 are queued")
    expect(page.locator("#run-status")).to_contain_text("waiting for the scheduler")

    # The scheduler's job renders them, slowly enough to watch.
    real_render = statement_render.render

    def slow_render(data):
        time.sleep(1.5)
        return real_render(data)

    monkeypatch.setattr(statement_render, "render", slow_render)
    import partner_portal.jobs.statements as runs_module

    monkeypatch.setattr(runs_module, "PROGRESS_EVERY", 0)
    job = threading.Thread(target=runner.run, args=(app, registry.get("statement-runs")))
    job.start()
    try:
        expect(page.locator("#run-status")).to_contain_text(re.compile(r"[12] of 3 rendered"),
                                                            timeout=15_000)
        assert "Making statements" in page.locator("#run-status").inner_text()
        shot(page, f"statements-make-progress-{label}")
    finally:
        job.join()
    # When the run ends the page reloads itself and lists the statements.
    expect(page.locator("#run-status")).to_contain_text("3 of 3 rendered", timeout=15_000)
    for partner in partners:
        expect(page.locator("table.statements")).to_contain_text(partner.name)
    shot(page, f"statements-make-done-{label}")
    assert page.js_errors == []
