"""Password hashing with Argon2id (argon2-cffi)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context

MIN_LENGTH = 10

_default = PasswordHasher()  # Argon2id, RFC 9106 low-memory profile
# Cheap parameters for the test suite only (still Argon2id).
_fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("PASSWORD_HASH_FAST"):
        return _fast
    return _default


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        # Spend comparable time so unknown accounts are not told apart by timing.
        _hasher().hash(password)
        return False
    try:
        return _hasher().verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


def password_problem(password: str, *, email: str | None = None) -> str | None:
    """A reason the password is unacceptable, or None."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > 256:
        return "Use at most 256 characters."
    if email and password.lower() == email.lower():
        return "The password must not be your email address."
    return None
