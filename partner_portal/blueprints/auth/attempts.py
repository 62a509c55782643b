"""Throttled password and code checks as units of work: which transaction each step runs
in, for the sign-in pages and for the account pages that ask for the password or a code
again (turning two-factor off, changing the password).

Every write here runs in a write transaction begun before its first read (SQLite:
``BEGIN IMMEDIATE``), so a writer committing in between can never make it fail with
"database is locked"; the slow password hash runs with no transaction open.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from ...extensions import db
from ...models import User
from ...models.base import utcnow
from ...services import accounts
from ...services.errors import AuthenticationFailed, Throttled, ValidationError
from ...services.locking import begin_write_after_reads
from ...services.login_attempts import ThrottlePolicy, wait_minutes
from ...services.passwords import verify_password
from ..units import unit_of_work
from .session import client_ip


def throttle_policy() -> ThrottlePolicy:
    cfg = current_app.config
    return ThrottlePolicy(cfg["LOGIN_WINDOW_SECONDS"], cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
                          cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"])


@dataclass(frozen=True)
class PasswordResult:
    check: accounts.PasswordCheck
    right: bool
    rehashed: str | None  # the password hashed afresh when its stored hash is outdated


def check_password(email: str, password: str, *, user: User | None = None) -> PasswordResult:
    """Reserve the attempt and commit it, then verify the password with no transaction
    open. ``Throttled`` (nothing written) at the limit. A wrong password is already
    recorded as a failure when this returns; a right one is taken by ``accept_password``.
    ``user``: the signed-in user confirming their own password."""
    with unit_of_work():  # Throttled: rolled back, nothing written, and raised
        check = accounts.start_password_check(email, ip=client_ip(), policy=throttle_policy(),
                                              now=utcnow(), user=user)
    right = verify_password(check.stored_hash, password)
    return PasswordResult(check, right, accounts.rehash_for(check.stored_hash, password) if right else None)


def accept_password(result: PasswordResult) -> User:
    """Begin the write transaction that takes a right password (the caller adds its own
    changes and commits). ``AuthenticationFailed`` when the account cannot sign in."""
    begin_write_after_reads()
    return accounts.password_accepted(result.check, rehashed=result.rehashed)


def confirm_password(user: User, password: str, *, field: str = "password",
                     message: str = "The password is not correct.") -> None:
    """The signed-in user confirms it is them with their password, before a change only
    they may make. A wrong one raises ``ValidationError`` naming ``field`` (and counts as a
    failed sign-in); ``Throttled`` at the limit. When this returns, no transaction is open:
    the caller begins the write of its change."""
    result = check_password(user.email, password, user=user)
    if result.right:
        with unit_of_work(hold=True) as done:
            accept_password(result)
        if not isinstance(done.error, AuthenticationFailed | None):
            raise done.error
        if done:
            return
    raise ValidationError(message, field=field)


def check_code(user: User, code: str) -> bool:
    """Check a two-factor code in a write transaction the caller commits (a wrong code is
    then recorded; a right one is used up). ``Throttled`` at the limit, rolled back."""
    begin_write_after_reads()
    try:
        return accounts.check_code(user, code, ip=client_ip(), policy=throttle_policy(),
                                   now=utcnow())
    except Throttled:
        db.session.rollback()
        raise


def confirm_message(exc: Throttled) -> str:
    """The message for a throttled confirmation on an account page."""
    return f"Too many failed attempts. Try again in {wait_minutes(exc.retry_after)}."
