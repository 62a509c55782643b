"""Throttling of password and two-factor code checks, exact under parallel attempts.

Every check (a sign-in password, a sign-in code, the password or code that confirms turning
two-factor off or changing the password) is first *reserved*: in a short write transaction
of its own, the window's failures for the account and for the client address are counted
under a lock, the check is refused at either limit, else the attempt is recorded as a
failure. Only then is the password checked — with no transaction open, since Argon2 is slow
and SQLite has one write lock for the whole database — and a right password deletes its
attempt. A check still running therefore counts as a failure, which is what makes the limit
exact: N parallel wrong passwords against a limit of 5 get exactly 5 checks.

The lock is SQLite's write lock (the caller's ``locking.begin_write``) or, on PostgreSQL,
one advisory lock for the account and one for the address, taken in a fixed order.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, false, func, select, update

from ..extensions import db
from ..models import LoginAttempt
from .errors import Throttled
from .locking import advisory_lock, begin_write


@dataclass(frozen=True)
class ThrottlePolicy:
    window_seconds: int
    max_per_account: int
    max_per_address: int


def _as_utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite aggregates come back naive
        value = value.replace(tzinfo=timezone.utc)
    return value


def _failures(*where) -> tuple[int, datetime | None]:
    count, oldest = db.session.execute(
        select(func.count(LoginAttempt.id), func.min(LoginAttempt.created_at)).where(*where)
    ).one()
    return count, _as_utc(oldest)


def _lock(email: str, ip: str) -> None:
    """Serialise with every other check of this account or from this address (PostgreSQL;
    SQLite's write lock already serialises). Taken in the order of the lock ids, so two
    checks can never each hold one lock and wait for the other's."""
    keys = {f"sign-in:account:{email}", f"sign-in:address:{ip}"}
    for key in sorted(keys, key=lambda k: zlib.crc32(k.encode())):
        advisory_lock(key)


def wait_minutes(retry_after: int) -> str:
    minutes = max(1, (retry_after + 59) // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def reserve(email: str, ip: str, policy: ThrottlePolicy, *, now: datetime) -> int:
    """Count one check of ``email`` from ``ip`` before it runs; returns the attempt's id.

    Call it first thing in a write transaction (``locking.begin_write`` or
    ``begin_write_after_reads``) and commit right after, before checking a password. Raises
    ``Throttled`` (and writes nothing) when the account or the address is at its limit.
    """
    begin_write()
    _lock(email, ip)
    since = now - timedelta(seconds=policy.window_seconds)
    for limit, where in (
        (policy.max_per_account, (LoginAttempt.email == email, LoginAttempt.created_at > since,
                                  LoginAttempt.account_cleared.is_(false()))),
        (policy.max_per_address, (LoginAttempt.ip == ip, LoginAttempt.created_at > since)),
    ):
        count, oldest = _failures(*where)
        if count >= limit:
            retry = int((oldest + timedelta(seconds=policy.window_seconds) - now).total_seconds()) + 1
            retry = max(retry, 1)
            raise Throttled(f"Too many failed sign-in attempts. Try again in {wait_minutes(retry)}, "
                            "or reset your password.", retry_after=retry)
    attempt = LoginAttempt(email=email, ip=ip, created_at=now)
    db.session.add(attempt)
    db.session.flush()
    return attempt.id


def lock_account(email: str) -> None:
    """Take the account's sign-in lock (PostgreSQL) before changing its attempts, so that
    two sign-ins of one account finishing at once take turns instead of deadlocking."""
    advisory_lock(f"sign-in:account:{email}")


def succeeded(attempt_id: int) -> None:
    """The check was right: it is not a failure."""
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt_id))


def clear_account(email: str) -> None:
    """After a complete sign-in (or a password reset) the account starts afresh; the
    failures keep counting against the addresses they came from."""
    lock_account(email)
    db.session.execute(update(LoginAttempt)
                       .where(LoginAttempt.email == email, LoginAttempt.account_cleared.is_(false()))
                       .values(account_cleared=True))
