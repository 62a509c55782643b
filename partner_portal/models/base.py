"""Shared column types and helpers for the models."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import DateTime, Numeric, TypeDecorator


def utcnow() -> datetime:
    """The current time, timezone-aware UTC. Used as a *callable* column default."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always returned timezone-aware.

    SQLite keeps no zone, PostgreSQL keeps ``timestamptz``; both come back as aware UTC.
    Naive values are refused so local times never slip into storage.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused; pass an aware UTC datetime")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


# Money: exact decimals. Amounts are rounded half-up to the currency's minor unit by the
# services before they are stored; four places leave room for 3-decimal currencies.
MONEY = Numeric(18, 4, asdecimal=True)
ZERO = Decimal("0")
