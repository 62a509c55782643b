"""Capture README screenshots of the demo program with headless Chromium.

Usage: .venv/bin/python scripts/screenshots.py [--out docs/screenshots]
Builds a throwaway SQLite database with demo data, serves it on loopback, and saves a
desktop and a phone screenshot of each page listed in PAGES.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# (name, login email or None, path)
PAGES = [
    ("login", None, "/login"),
    ("apply", None, "/apply"),
    ("admin-overview", "owner@demo.test", "/admin/"),
    ("partner-dashboard", "partner@demo.test", "/partner/"),
    ("admin-applications", "manager@demo.test", "/admin/partners?status=applied&sort=risk"),
    # The demo's suspicious applicant (the 37th partner of a fresh demo database).
    ("admin-application-flagged", "manager@demo.test", "/admin/partners/37"),
    ("admin-screening", "manager@demo.test", "/admin/screening"),
    ("admin-staff", "owner@demo.test", "/admin/staff"),
    ("admin-audit-log", "owner@demo.test", "/admin/audit"),
    ("reports", "manager@demo.test", "/admin/reports"),
    ("partner-performance", "manager@demo.test", "/admin/partners/1/performance"),
    ("payout-batch", "finance@demo.test", "/admin/payouts/batches/2"),
    ("offers", "manager@demo.test", "/admin/offers"),
    ("offer-editor", "manager@demo.test", "/admin/offers/1/edit"),
    ("commission-structure", "manager@demo.test", "/admin/offers/1/rules"),
    ("rule-editor", "manager@demo.test", "/admin/offers/1/rules/1/edit"),
    ("caps", "manager@demo.test", "/admin/offers/1/caps"),
    ("simulator", "manager@demo.test",
     "/admin/commissions/simulator?partner=partner%40demo.test&offer=1&event=sale&amount=120.00&days=12"),
    ("commissions", "manager@demo.test", "/admin/commissions"),
    ("partner-offers", "partner@demo.test", "/partner/offers"),
    ("admin-statements", "finance@demo.test", "/admin/statements"),
    ("partner-statements", "partner@demo.test", "/partner/statements"),
    ("partner-payouts", "partner@demo.test", "/partner/payouts"),
    ("partner-earnings", "partner@demo.test", "/partner/earnings"),
    ("partner-links", "partner@demo.test", "/partner/links"),
    ("partner-link", "partner@demo.test", "/partner/links/1"),
    ("partner-creatives", "partner@demo.test", "/partner/creatives"),
    ("partner-share", "partner@demo.test", "/partner/share"),
    ("partner-milestones", "partner@demo.test", "/partner/milestones"),
    ("partner-account", "partner@demo.test", "/partner/account"),
    ("admin-creatives", "manager@demo.test", "/admin/creatives"),
    ("admin-announcements", "manager@demo.test", "/admin/announcements"),
    ("admin-api-keys", "owner@demo.test", "/admin/api-keys"),
]


def _statements(app) -> None:
    """Last month's statements, emailed (to the file outbox), and this month's so far."""
    from partner_portal.jobs import statements as runs
    from partner_portal.models.base import utcnow
    from partner_portal.services.program import program_zone
    from partner_portal.services.statements.months import Month

    now = utcnow()
    this_month = Month.of(now, program_zone())
    for month in (this_month.previous(), this_month):
        runs.generate(app, month, now=now, workers=1)
    runs.queue_emails(this_month.previous(), now=now)
    runs.deliver_emails(app, month=this_month.previous())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--only", nargs="*", help="names of pages to capture")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="pp-shots-"))
    os.environ["INSTANCE_DIR"] = str(tmp)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'demo.db'}")

    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from partner_portal import create_app
    from partner_portal.extensions import db
    from partner_portal.models.base import utcnow
    from partner_portal.services import demo

    app = create_app("development", WTF_CSRF_ENABLED=True)
    with app.app_context():
        upgrade()
        from partner_portal.services.locking import begin_write

        begin_write()
        demo.seed(days=90, now=utcnow())
        db.session.commit()
        _statements(app)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{port}"

    from playwright.sync_api import sync_playwright

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        for viewport, suffix in (({"width": 1366, "height": 900}, "desktop"),
                                 ({"width": 390, "height": 844}, "phone")):
            sessions = {}
            for name, email, path in PAGES:
                if args.only and name not in args.only:
                    continue
                if email not in sessions:
                    ctx = browser.new_context(viewport=viewport, base_url=base)
                    page = ctx.new_page()
                    if email:
                        page.goto("/login")
                        page.get_by_label("Email").fill(email)
                        page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
                        page.get_by_role("button", name="Sign in").click()
                        page.wait_for_load_state()
                    sessions[email] = page
                page = sessions[email]
                page.goto(path)
                page.wait_for_load_state("networkidle")
                target = out / f"{name}-{suffix}.png"
                page.screenshot(path=str(target), full_page=suffix == "desktop")
                print(target.relative_to(ROOT) if target.is_relative_to(ROOT) else target)
        browser.close()
    server.shutdown()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
