"""The audit log page: filters, readable changes, CSV that spreadsheets cannot misread."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

from partner_portal.services import audit
from partner_portal.services.program import get_program

from ..factories import PartnerFactory


def _entry(actor, action, subject_type, subject_id, when, **kw):
    return audit.record(audit.Actor(None, actor, "192.0.2.1"), action, subject_type, subject_id,
                        now=when, **kw)


def test_filters_by_actor_action_subject_and_date_in_the_program_zone(client, db, login_as):
    get_program().timezone = "America/New_York"
    late_evening = datetime(2026, 3, 10, 3, 30, tzinfo=timezone.utc)  # 23:30 on 9 March in New York
    _entry("alice@example.test", "partner.approve", "partner", 7, late_evening,
           before={"status": "applied"}, after={"status": "approved"})
    _entry("bob@example.test", "group.create", "group", 2, datetime(2026, 3, 10, 15, tzinfo=timezone.utc))
    _entry("automatic rule: No junk", "partner.reject", "partner", 8,
           datetime(2026, 3, 11, 15, tzinfo=timezone.utc))
    login_as("analyst")

    def rows(**args):
        html = client.get("/admin/audit", query_string=args).get_data(as_text=True)
        return {a for a in ("partner.approve", "group.create", "partner.reject") if f"<code>{a}</code>" in html}

    assert rows(actor="alice") == {"partner.approve"}
    assert rows(actor="automatic rule") == {"partner.reject"}
    assert rows(action="partner.") == {"partner.approve", "partner.reject"}
    assert rows(action="group.create") == {"group.create"}
    assert rows(subject_type="partner", subject_id="8") == {"partner.reject"}
    assert rows(date_from="2026-03-09", date_to="2026-03-09") == {"partner.approve"}
    assert rows(date_from="2026-03-10") == {"group.create", "partner.reject"}


def test_changes_are_readable_and_partners_are_linked(client, db, login_as):
    partner = PartnerFactory(status="approved")
    _entry("alice@example.test", "partner.suspend", "partner", partner.id, datetime.now(timezone.utc),
           before={"status": "approved"}, after={"status": "suspended"}, note="Odd traffic")
    login_as("manager")
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "<del>approved</del> → <ins>suspended</ins>" in html
    assert f'href="/admin/partners/{partner.id}"' in html and "Odd traffic" in html


def test_csv_export_is_spreadsheet_safe(client, db, login_as):
    _entry("=HYPERLINK(\"http://evil\")", "partner.note_added", "partner", 1,
           datetime.now(timezone.utc), note="+cmd|' /C calc'!A0")
    login_as("owner")
    response = client.get("/admin/audit.csv?action=partner.note_added")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["id", "time", "actor", "ip", "action"]
    [row] = rows[1:]
    assert row[2] == "'=HYPERLINK(\"http://evil\")" and row[9] == "'+cmd|' /C calc'!A0"


def test_audit_log_pages(client, db, login_as):
    for i in range(60):
        _entry("bulk@example.test", "group.update", "group", i, datetime.now(timezone.utc))
    login_as("analyst")
    first = client.get("/admin/audit").get_data(as_text=True)
    assert "1–50 of 60" in first
    second = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert "51–60 of 60" in second
