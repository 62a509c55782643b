"""API keys: hashed at rest, shown once, named, revocable."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class ApiKey(db.Model):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    # The first characters of the key, kept in clear so people can tell keys apart.
    prefix: Mapped[str] = mapped_column(String(16))
    # SHA-256 of the whole key: keys are long random secrets, so a fast hash is enough.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(500), default="*")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by = relationship("User")

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def scope_list(self) -> list[str]:
        return split_scopes(self.scopes)


def split_scopes(scopes: str) -> list[str]:
    """The stored, comma-separated scopes as a list ("*" is every scope)."""
    return [s for s in scopes.split(",") if s]
