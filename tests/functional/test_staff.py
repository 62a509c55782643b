"""Owners invite staff with a role, change roles, deactivate; the program keeps an owner."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from partner_portal.models import AuditEntry, User

from ..support import DEFAULT_PASSWORD


def test_owner_invites_a_manager_who_sets_a_password_and_signs_in(client, db, login_as, smtp_server, app):
    login_as("owner")
    response = client.post("/admin/staff/invite", data={"email": "New.Manager@Example.test",
                                                        "name": "Nia", "role": "manager"},
                           follow_redirects=True)
    assert "Invitation sent to new.manager@example.test (manager)." in response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "new.manager@example.test"))
    assert user.role == "manager" and user.password_hash is None
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "new.manager@example.test"
    link = re.search(r"https?://\S+/password/reset/\S+", mail.get_body(("plain",)).get_content()).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]

    newcomer = app.test_client()
    assert newcomer.post("/login", data={"email": user.email, "password": "anything-at-all"}).status_code == 401
    done = newcomer.post(f"/{path}", data={"password": "my-own-password", "confirm": "my-own-password"})
    assert done.status_code == 302
    signed_in = newcomer.post("/login", data={"email": user.email, "password": "my-own-password"})
    assert signed_in.headers["Location"] == "/admin/"
    assert newcomer.get("/admin/partners").status_code == 200
    assert newcomer.get("/admin/staff").status_code == 403
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"staff.create", "staff.invite"} <= actions


def test_invite_with_a_taken_email_names_the_field(client, db, login_as, make_user):
    login_as("owner")
    other = make_user("analyst")
    response = client.post("/admin/staff/invite", data={"email": other.email, "role": "manager"})
    assert response.status_code == 422
    assert 'id="email-error"' in response.get_data(as_text=True)


def test_role_change_applies_at_once_and_is_audited(client, db, login_as, make_user, app):
    login_as("owner")
    analyst = make_user("analyst")
    theirs = app.test_client()
    theirs.post("/login", data={"email": analyst.email, "password": DEFAULT_PASSWORD})
    assert theirs.post("/admin/groups", data={"name": "X"}).status_code == 403
    client.post(f"/admin/staff/{analyst.id}/role", data={"role": "manager"})
    db.session.refresh(analyst)
    assert analyst.role == "manager"
    assert theirs.post("/admin/groups", data={"name": "X"}).status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "staff.role_change"))
    assert entry.before == {"role": "analyst"} and entry.after == {"role": "manager"}


def test_deactivated_staff_lose_their_session_and_cannot_sign_in(client, db, login_as, make_user, app):
    login_as("owner")
    manager = make_user("manager")
    theirs = app.test_client()
    theirs.post("/login", data={"email": manager.email, "password": DEFAULT_PASSWORD})
    assert theirs.get("/admin/").status_code == 200
    client.post(f"/admin/staff/{manager.id}/deactivate")
    assert theirs.get("/admin/").status_code == 302
    assert theirs.post("/login", data={"email": manager.email,
                                       "password": DEFAULT_PASSWORD}).status_code == 401
    client.post(f"/admin/staff/{manager.id}/reactivate")
    assert theirs.post("/login", data={"email": manager.email,
                                       "password": DEFAULT_PASSWORD}).status_code == 302


def test_owners_cannot_demote_or_deactivate_themselves(client, db, login_as):
    owner = login_as("owner")
    response = client.post(f"/admin/staff/{owner.id}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account" in response.get_data(as_text=True)
    response = client.post(f"/admin/staff/{owner.id}/role", data={"role": "analyst"},
                           follow_redirects=True)
    assert "You cannot change the role of your own account" in response.get_data(as_text=True)
    db.session.refresh(owner)
    assert owner.role == "owner" and owner.is_active_account


def test_the_last_active_owner_stays(client, db, login_as, make_user):
    login_as("owner")
    other_owner = make_user("owner")
    # Deactivate the signed-in owner's peer: fine, one owner remains.
    client.post(f"/admin/staff/{other_owner.id}/deactivate")
    db.session.refresh(other_owner)
    assert other_owner.is_active_account is False
    from partner_portal.models.base import utcnow
    from partner_portal.services import audit, staff
    from partner_portal.services.errors import Conflict

    me = db.session.scalar(select(User).where(User.role == "owner", User.is_active_account.is_(True)))
    outsider = audit.Actor.system("test")
    with pytest.raises(Conflict, match="at least one active owner"):
        staff.change_role(me.id, "manager", outsider, now=utcnow())
    with pytest.raises(Conflict, match="at least one active owner"):
        staff.set_active(me.id, False, outsider, now=utcnow())


def test_resend_invitation(client, db, login_as, smtp_server):
    login_as("owner")
    client.post("/admin/staff/invite", data={"email": "later@example.test", "role": "finance"})
    user = db.session.scalar(select(User).where(User.email == "later@example.test"))
    response = client.post(f"/admin/staff/{user.id}/resend", follow_redirects=True)
    assert "Invitation sent again to later@example.test." in response.get_data(as_text=True)
    assert len(smtp_server.wait_for(2)) == 2


def test_staff_page_lists_people_and_their_state(client, db, login_as, make_user):
    login_as("owner")
    make_user("finance", email="fin@example.test")
    client.post("/admin/staff/invite", data={"email": "pending@example.test", "role": "analyst"})
    html = client.get("/admin/staff").get_data(as_text=True)
    assert "fin@example.test" in html and "pending@example.test" in html and "Invited" in html
