"""Decisions on partners through the admin pages: every allowed and every forbidden
transition, the partner's email (received by a real SMTP server), the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from partner_portal.models import AuditEntry, PartnerNote
from partner_portal.services.lifecycle import PARTNER

from ..factories import GroupFactory, PartnerFactory

SUBJECTS = {
    "approve": "your application is approved",
    "reject": "your application",
    "suspend": "your partner account is suspended",
    "reinstate": "your partner account is active again",
    "ban": "your partner account is closed",
}
TARGET = {"approve": "approved", "reject": "rejected", "suspend": "suspended",
          "reinstate": "approved", "ban": "banned"}
CASES = [(action, state) for action in PARTNER.transitions for state in PARTNER.states]


def _form(action, **fields):
    return {f"{action}-{k}": v for k, v in fields.items()}


def _audit(db, action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


@pytest.mark.parametrize("action, state", CASES, ids=[f"{a}-from-{s}" for a, s in CASES])
def test_every_transition_is_allowed_or_refused_as_the_table_says(client, db, login_as, smtp_server,
                                                                  action, state):
    manager = login_as("manager")
    group = GroupFactory(name="Standard", is_default=True)
    partner = PartnerFactory(status=state, name="Pat Partner")
    db.session.commit()
    data = _form(action, reason="Checked the traffic", message="Hello from the team",
                 group_id=str(group.id))
    response = client.post(f"/admin/partners/{partner.id}/decision/{action}", data=data)
    db.session.refresh(partner)
    allowed = state in PARTNER.transitions[action].sources
    if allowed:
        assert response.status_code == 302
        assert partner.status == TARGET[action]
        [entry] = _audit(db, f"partner.{action}")
        assert entry.actor_id == manager.id and entry.ip == "127.0.0.1"
        assert entry.before["status"] == state and entry.after["status"] == TARGET[action]
        [mail] = smtp_server.wait_for(1)
        assert mail["To"] == partner.email and SUBJECTS[action] in mail["Subject"]
        assert "Hello from the team" in mail.get_body(preferencelist=("plain",)).get_content()
    else:
        assert response.status_code == 409
        html = response.get_data(as_text=True)
        assert f"Cannot {action} a partner that is {state}" in html
        assert partner.status == state
        assert _audit(db, f"partner.{action}") == []
        assert smtp_server.messages == []  # delivery happens before the response returns


def test_approve_puts_the_partner_in_the_chosen_group_and_they_see_it(client, db, login_as,
                                                                     smtp_server, app):
    login_as("manager")
    GroupFactory(name="Standard", is_default=True)
    vip = GroupFactory(name="VIP")
    partner = PartnerFactory(status="applied")
    db.session.commit()
    client.post(f"/admin/partners/{partner.id}/decision/approve",
                data=_form("approve", group_id=str(vip.id), message=""))
    db.session.refresh(partner)
    assert partner.status == "approved" and partner.group_id == vip.id
    assert partner.approved_at is not None
    [mail] = smtp_server.wait_for(1)
    assert "VIP" in mail.get_body(preferencelist=("plain",)).get_content()

    other = app.test_client()
    other.post("/login", data={"email": partner.email, "password": "correct-horse-battery"})
    page = other.get("/partner/").get_data(as_text=True)
    assert "Approved partner" in page and "VIP group" in page


def test_approve_without_a_group_uses_the_default_group(client, db, login_as):
    login_as("manager")
    standard = GroupFactory(name="Standard", is_default=True)
    partner = PartnerFactory(status="applied")
    db.session.commit()
    client.post(f"/admin/partners/{partner.id}/decision/approve", data=_form("approve", group_id=""))
    db.session.refresh(partner)
    assert partner.group_id == standard.id


@pytest.mark.parametrize("action", ["reject", "suspend", "ban"])
def test_a_decision_that_needs_a_reason_names_the_field_and_changes_nothing(client, db, login_as,
                                                                            outbox, action):
    login_as("manager")
    state = "approved" if action == "suspend" else "applied"
    partner = PartnerFactory(status=state)
    db.session.commit()
    response = client.post(f"/admin/partners/{partner.id}/decision/{action}",
                           data=_form(action, reason="  ", message="hi"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{action}-reason-error"' in html and "Give a reason." in html
    db.session.refresh(partner)
    assert partner.status == state
    assert _audit(db, f"partner.{action}") == [] and outbox.messages() == []


def test_rejection_message_reaches_the_applicant_and_the_reason_stays_internal(client, db, login_as,
                                                                               smtp_server, app):
    login_as("manager")
    partner = PartnerFactory(status="applied")
    db.session.commit()
    client.post(f"/admin/partners/{partner.id}/decision/reject",
                data=_form("reject", reason="Coupon site, not allowed", message="We only work with content sites."))
    [mail] = smtp_server.wait_for(1)
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "We only work with content sites." in text and "Coupon site" not in text
    own = app.test_client()
    own.post("/login", data={"email": partner.email, "password": "correct-horse-battery"})
    status_page = own.get("/partner/").get_data(as_text=True)
    assert "We only work with content sites." in status_page and "Coupon site" not in status_page
    entry = _audit(db, "partner.reject")[0]
    assert entry.note == "Coupon site, not allowed"


def test_banned_partner_can_no_longer_sign_in(client, db, login_as, app):
    login_as("owner")
    partner = PartnerFactory(status="approved")
    db.session.commit()
    client.post(f"/admin/partners/{partner.id}/decision/ban", data=_form("ban", reason="Fraud"))
    response = app.test_client().post("/login", data={"email": partner.email,
                                                      "password": "correct-horse-battery"})
    assert response.status_code == 401 and "closed" in response.get_data(as_text=True)


def test_bulk_approve_reports_the_partners_it_could_not_approve(client, db, login_as, smtp_server):
    login_as("manager")
    group = GroupFactory(name="Standard", is_default=True)
    a = PartnerFactory(status="applied", name="Alice Applied")
    b = PartnerFactory(status="applied", name="Bob Applied")
    banned = PartnerFactory(status="banned", name="Ben Banned")
    db.session.commit()
    response = client.post("/admin/partners/bulk", data={
        "action": "approve", "group_id": str(group.id), "partner_ids": [a.id, b.id, banned.id]},
        follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Approved 2 partners: Alice Applied, Bob Applied." in html
    assert f"#{banned.id} Ben Banned was left as it is: Cannot approve a partner that is banned." in html
    db.session.expire_all()
    assert [p.status for p in (a, b, banned)] == ["approved", "approved", "banned"]
    assert {m["To"] for m in smtp_server.wait_for(2)} == {a.email, b.email}
    assert len(_audit(db, "partner.approve")) == 2


def test_bulk_reject_needs_a_reason_and_then_changes_nothing(client, db, login_as):
    login_as("manager")
    a = PartnerFactory(status="applied")
    db.session.commit()
    response = client.post("/admin/partners/bulk", data={"action": "reject", "partner_ids": [a.id]},
                           follow_redirects=True)
    assert "Reason: Give a reason." in response.get_data(as_text=True)
    db.session.refresh(a)
    assert a.status == "applied"


def test_bulk_reject_and_move(client, db, login_as):
    login_as("manager")
    vip = GroupFactory(name="VIP")
    applied = [PartnerFactory(status="applied") for _ in range(2)]
    approved = PartnerFactory(status="approved")
    db.session.commit()
    client.post("/admin/partners/bulk", data={"action": "reject", "reason": "Not a fit",
                                               "partner_ids": [p.id for p in applied]})
    client.post("/admin/partners/bulk", data={"action": "move", "group_id": str(vip.id),
                                               "partner_ids": [approved.id]})
    db.session.expire_all()
    assert [p.status for p in applied] == ["rejected", "rejected"]
    assert approved.group_id == vip.id
    assert _audit(db, "partner.group_changed")[0].after == {"group_id": vip.id, "group": "VIP"}


def test_internal_notes_are_for_staff_only(client, db, login_as, app):
    login_as("manager")
    partner = PartnerFactory(status="approved")
    db.session.commit()
    response = client.post(f"/admin/partners/{partner.id}/notes",
                           data={"body": "Called them: <b>legit</b> blog."}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Called them: &lt;b&gt;legit&lt;/b&gt; blog." in html
    assert db.session.scalar(select(PartnerNote.body)) == "Called them: <b>legit</b> blog."
    assert _audit(db, "partner.note_added")
    own = app.test_client()
    own.post("/login", data={"email": partner.email, "password": "correct-horse-battery"})
    for path in ("/partner/", "/partner/account"):
        assert "Called them" not in own.get(path).get_data(as_text=True)


def test_empty_note_names_the_field(client, db, login_as):
    login_as("manager")
    partner = PartnerFactory(status="approved")
    db.session.commit()
    response = client.post(f"/admin/partners/{partner.id}/notes", data={"body": ""})
    assert response.status_code == 422 and 'id="body-error"' in response.get_data(as_text=True)


def test_move_to_group_from_the_partner_page(client, db, login_as):
    login_as("manager")
    vip = GroupFactory(name="VIP")
    partner = PartnerFactory(status="approved")
    db.session.commit()
    response = client.post(f"/admin/partners/{partner.id}/group", data={"group_id": str(vip.id)},
                           follow_redirects=True)
    assert "is in the “VIP” group" in response.get_data(as_text=True)
    bad = client.post(f"/admin/partners/{partner.id}/group", data={"group_id": "99999"})
    assert bad.status_code == 422 and "Choose one of the groups." in bad.get_data(as_text=True)


def test_unknown_partner_is_404(client, db, login_as):
    login_as("manager")
    assert client.get("/admin/partners/424242").status_code == 404
    assert client.post("/admin/partners/424242/decision/approve").status_code == 404


def test_partner_supplied_text_is_escaped_and_odd_links_are_not_links(client, db, login_as):
    login_as("analyst")
    partner = PartnerFactory(status="applied", name="<script>alert(1)</script>",
                             website="javascript:alert(1)")
    db.session.commit()
    queue = client.get("/admin/partners").get_data(as_text=True)
    page = client.get(f"/admin/partners/{partner.id}").get_data(as_text=True)
    for html in (queue, page):
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in page
