"""Announcements: managers post, edit and archive them; partners read them on their
dashboard and may get them by email."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from ..models import Announcement, Partner
from . import audit, notifications, preferences
from .errors import InvalidTransition, NotFound, ValidationError

FIELDS = ["title", "body", "pinned", "status"]


def _clean(title: str | None, body: str | None) -> tuple[str, str]:
    title = (title or "").strip()
    body = (body or "").replace("\r\n", "\n").strip()
    if not title or len(title) > 200 or "\n" in title:
        raise ValidationError("Give a one-line title of up to 200 characters.", field="title")
    if not body:
        raise ValidationError("Write the announcement.", field="body")
    if len(body) > 10_000:
        raise ValidationError("Keep it to 10,000 characters.", field="body")
    return title, body


def get(announcement_id: int) -> Announcement:
    item = db.session.get(Announcement, announcement_id)
    if item is None:
        raise NotFound("No such announcement.")
    return item


def publish(title: str, body: str, *, pinned: bool = False, actor: audit.Actor,
            now: datetime) -> Announcement:
    title, body = _clean(title, body)
    item = Announcement(title=title, body=body, pinned=bool(pinned), status="published",
                        created_by_id=actor.user_id, created_at=now, updated_at=now,
                        published_at=now)
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "announcement.publish", "announcement", item.id,
                 after=audit.snapshot(item, FIELDS), now=now)
    return item


def update(announcement_id: int, title: str, body: str, *, pinned: bool, actor: audit.Actor,
           now: datetime) -> Announcement:
    item = get(announcement_id)
    title, body = _clean(title, body)
    before = audit.snapshot(item, FIELDS)
    item.title, item.body, item.pinned, item.updated_at = title, body, bool(pinned), now
    db.session.flush()
    after = audit.snapshot(item, FIELDS)
    if after != before:
        audit.record(actor, "announcement.update", "announcement", item.id, before=before,
                     after=after, now=now)
    return item


def set_archived(announcement_id: int, archived: bool, *, actor: audit.Actor,
                 now: datetime) -> Announcement:
    item = get(announcement_id)
    wanted = "archived" if archived else "published"
    if item.status == wanted:
        raise InvalidTransition("announcement", "archive" if archived else "restore", item.status)
    item.status = wanted
    item.archived_at = now if archived else None
    item.updated_at = now
    db.session.flush()
    audit.record(actor, "announcement.archive" if archived else "announcement.restore",
                 "announcement", item.id, before={"status": "published" if archived else "archived"},
                 after={"status": wanted}, now=now)
    return item


def email_partners(announcement_id: int, *, url: str, actor: audit.Actor, now: datetime) -> int:
    """Email a published announcement to every approved partner who wants announcements.
    Sent once: a second request is refused."""
    item = get(announcement_id)
    if item.status != "published":
        raise ValidationError("Only a published announcement can be emailed.", field="status")
    if item.emailed_at is not None:
        raise ValidationError("Partners were already emailed about this announcement.",
                              field="status")
    approved = list(db.session.scalars(select(Partner).where(Partner.status == "approved")
                                       .order_by(Partner.id)))
    recipients = preferences.who_wants("announcements", approved)
    for partner in recipients:
        notifications.announcement(partner, item, url)
    sent = len(recipients)
    item.emailed_at = now
    db.session.flush()
    audit.record(actor, "announcement.email", "announcement", item.id,
                 after={"recipients": sent}, now=now)
    return sent


def admin_statement(status: str | None = None):
    stmt = select(Announcement)
    if status in ("published", "archived"):
        stmt = stmt.where(Announcement.status == status)
    return stmt.order_by(Announcement.published_at.desc(), Announcement.id.desc())


def published(limit: int | None = None) -> list[Announcement]:
    stmt = (select(Announcement).where(Announcement.status == "published")
            .order_by(Announcement.pinned.desc(), Announcement.published_at.desc(),
                      Announcement.id.desc()))
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))
