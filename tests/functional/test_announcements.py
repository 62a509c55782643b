"""Announcements: managers post, edit and archive them; partners read them and, if they
want, get them by email."""

from __future__ import annotations

from sqlalchemy import select

from partner_portal.models import Announcement, AuditEntry, PartnerEmailPreference

from ..factories import AnnouncementFactory, PartnerFactory


def test_a_manager_publishes_and_partners_who_want_it_get_an_email(app, client, db, login_as,
                                                                  smtp_server):
    login_as("manager")
    PartnerFactory(email="keen@example.test")
    quiet = PartnerFactory(email="quiet@example.test")
    PartnerFactory(email="applicant@example.test", status="applied")
    db.session.add(PartnerEmailPreference(partner_id=quiet.id, kind="announcements", enabled=False))
    db.session.commit()

    response = client.post("/admin/announcements", data={
        "title": "Double commission weekend", "body": "Friday to Sunday.\n\nEvery sale counts twice.",
        "pinned": "y", "email": "y"})
    assert response.status_code == 302
    item = db.session.scalar(select(Announcement))
    assert (item.status, item.pinned, item.emailed_at is not None) == ("published", True, True)

    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "keen@example.test"
    assert "Double commission weekend" in mail["Subject"]
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Every sale counts twice." in body and "/partner/" in body
    actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["announcement.publish", "announcement.email"]

    partner_client = app.test_client()
    partner_client.post("/login", data={"email": "quiet@example.test",
                                        "password": "correct-horse-battery"})
    page = partner_client.get("/partner/").get_data(as_text=True)
    assert "Double commission weekend" in page and "Every sale counts twice." in page


def test_edit_archive_and_restore(app, client, db, login_as):
    login_as("manager")
    item = AnnouncementFactory(title="Old title")
    db.session.commit()
    edited = client.post(f"/admin/announcements/{item.id}",
                         data={"title": "New title", "body": "New body"})
    assert edited.status_code == 302
    db.session.refresh(item)
    assert (item.title, item.body) == ("New title", "New body")
    client.post(f"/admin/announcements/{item.id}/archive")
    db.session.refresh(item)
    assert item.status == "archived"
    assert "New title" in client.get("/admin/announcements?status=archived").get_data(as_text=True)
    client.post(f"/admin/announcements/{item.id}/restore")
    db.session.refresh(item)
    assert item.status == "published" and item.archived_at is None
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "announcement.update"))
    assert audit.before["title"] == "Old title" and audit.after["title"] == "New title"


def test_archived_announcements_are_not_shown_to_partners(client, db, login_as):
    login_as("partner")
    AnnouncementFactory(title="Current news")
    AnnouncementFactory(title="Gone news", status="archived")
    db.session.commit()
    page = client.get("/partner/announcements").get_data(as_text=True)
    assert "Current news" in page and "Gone news" not in page


def test_bad_input_names_the_field_and_analysts_cannot_post(client, db, login_as, make_user):
    login_as("manager")
    response = client.post("/admin/announcements", data={"title": "", "body": "Text"})
    assert response.status_code == 422
    assert 'id="title-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Announcement)) is None

    from ..conftest import login

    client.post("/logout")
    analyst = make_user("analyst")
    login(client, analyst.email)
    assert client.get("/admin/announcements").status_code == 200
    assert client.post("/admin/announcements", data={"title": "T", "body": "B"}).status_code == 403


def test_an_announcement_is_emailed_at_most_once(client, db, login_as, outbox):
    login_as("manager")
    PartnerFactory()
    db.session.commit()
    client.post("/admin/announcements", data={"title": "News", "body": "Body", "email": "y"})
    item = db.session.scalar(select(Announcement))
    client.post(f"/admin/announcements/{item.id}", data={"title": "News", "body": "Body", "email": "y"})
    assert len(outbox.messages()) == 1
