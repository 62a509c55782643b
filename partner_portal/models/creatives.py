"""Creative assets managers publish per offer: banners, text links, email copy, social posts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

CREATIVE_KINDS = ("banner", "text_link", "email", "social")
CREATIVE_STATUSES = ("active", "archived")


class Creative(db.Model):
    __tablename__ = "creatives"
    __table_args__ = (
        CheckConstraint("kind IN ('banner', 'text_link', 'email', 'social')", name="kind_valid"),
        CheckConstraint("status IN ('active', 'archived')", name="status_valid"),
        CheckConstraint(
            "kind <> 'banner' OR (file_name IS NOT NULL AND width > 0 AND height > 0)",
            name="banner_has_image",
        ),
        Index("ix_creatives_offer_status", "offer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))
    # Link text (text links), the message (email copy, social posts); may hold {link}.
    body: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str | None] = mapped_column(String(200))  # email copy
    alt_text: Mapped[str | None] = mapped_column(String(200))  # banners
    # Banners: the random name the file is stored under, and what its content turned out to be.
    file_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    content_type: Mapped[str | None] = mapped_column(String(32))
    file_size: Mapped[int | None]
    width: Mapped[int | None]
    height: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    offer = relationship("Offer")

    @property
    def size(self) -> str | None:
        """``"300x250"`` for banners (the form used in filters and URLs)."""
        return f"{self.width}x{self.height}" if self.width and self.height else None

    @property
    def extension(self) -> str:
        return (self.file_name or "").rpartition(".")[2]

    def __repr__(self) -> str:
        return f"<Creative {self.id} {self.kind} {self.name!r}>"
