"""Announcements managers post to partners; shown on the partner dashboard."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

ANNOUNCEMENT_STATUSES = ("published", "archived")


class Announcement(db.Model):
    __tablename__ = "announcements"
    __table_args__ = (
        CheckConstraint("status IN ('published', 'archived')", name="status_valid"),
        Index("ix_announcements_status_published", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="published")
    # Pinned announcements stay at the top of the dashboard, newest first.
    pinned: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When partners were emailed about it (once at most).
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by = relationship("User")
