"""Logging in, throttling, password resets, two-factor and staff accounts."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pyotp
from sqlalchemy import delete, func, select

from ..extensions import db
from ..models import LoginAttempt, PasswordResetToken, User
from ..models.accounts import STAFF_ROLES
from . import audit
from .errors import AuthenticationFailed, Conflict, Throttled, ValidationError
from .passwords import hash_password, needs_rehash, password_problem, verify_password


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


@dataclass(frozen=True)
class ThrottlePolicy:
    window_seconds: int
    max_per_account: int
    max_per_address: int


def _failures_since(column, value: str, since: datetime) -> tuple[int, datetime | None]:
    count, oldest = db.session.execute(
        select(func.count(LoginAttempt.id), func.min(LoginAttempt.created_at)).where(
            column == value, LoginAttempt.created_at > since
        )
    ).one()
    if oldest is not None and oldest.tzinfo is None:  # SQLite aggregates come back naive
        oldest = oldest.replace(tzinfo=timezone.utc)
    return count, oldest


def check_throttle(email: str, ip: str, policy: ThrottlePolicy, now: datetime) -> None:
    """Raise ``Throttled`` when the account or the address has failed too often lately."""
    since = now - timedelta(seconds=policy.window_seconds)
    for column, value, limit in (
        (LoginAttempt.email, normalise_email(email), policy.max_per_account),
        (LoginAttempt.ip, ip, policy.max_per_address),
    ):
        count, oldest = _failures_since(column, value, since)
        if count >= limit:
            retry = int((oldest + timedelta(seconds=policy.window_seconds) - now).total_seconds()) + 1
            minutes = max(1, (retry + 59) // 60)
            raise Throttled(
                f"Too many failed sign-in attempts. Try again in {minutes} minute"
                f"{'s' if minutes != 1 else ''}, or reset your password.",
                retry_after=max(retry, 1),
            )


def authenticate(email: str, password: str, *, ip: str, policy: ThrottlePolicy, now: datetime) -> User:
    """The user for these credentials, or ``AuthenticationFailed`` / ``Throttled``.

    Failures are recorded per account and address; a success clears the account's count.
    """
    email = normalise_email(email)
    check_throttle(email, ip, policy, now)
    user = find_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active_account:
        db.session.add(LoginAttempt(email=email, ip=ip, created_at=now))
        db.session.flush()
        raise AuthenticationFailed("Wrong email or password.", field="password")
    if user.is_partner and user.partner is not None and user.partner.status == "banned":
        raise AuthenticationFailed("This partner account has been closed.", field="email")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def record_login(user: User, *, ip: str, now: datetime) -> None:
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == user.email))
    user.last_login_at = now
    user.last_login_ip = ip
    db.session.flush()


def end_all_sessions(user: User) -> None:
    """Invalidate every session the user holds (used on logout and password change)."""
    user.auth_version += 1
    db.session.flush()


def set_password(user: User, password: str, *, now: datetime) -> None:
    problem = password_problem(password, email=user.email)
    if problem:
        raise ValidationError(problem, field="password")
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    end_all_sessions(user)


def change_password(user: User, current: str, new: str, *, now: datetime) -> None:
    if not verify_password(user.password_hash, current):
        raise ValidationError("The current password is not correct.", field="current_password")
    set_password(user, new, now=now)


# --- password reset -------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_reset_token(user: User, *, now: datetime, max_age_seconds: int) -> str:
    """A new single-use token (returned once; only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=_token_hash(token),
            created_at=now,
            expires_at=now + timedelta(seconds=max_age_seconds),
        )
    )
    db.session.flush()
    return token


def find_valid_reset(token: str, *, now: datetime) -> PasswordResetToken | None:
    row = db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == _token_hash(token or ""))
    )
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    return row


def consume_reset(token: str, new_password: str, *, now: datetime) -> User:
    row = find_valid_reset(token, now=now)
    if row is None:
        raise ValidationError("This reset link has expired or was already used.", field="token")
    set_password(row.user, new_password, now=now)
    row.used_at = now
    # Every other outstanding link for this user dies with it.
    for other in db.session.scalars(
        select(PasswordResetToken).where(
            PasswordResetToken.user_id == row.user_id, PasswordResetToken.used_at.is_(None)
        )
    ):
        other.used_at = now
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == row.user.email))
    db.session.flush()
    return row.user


# --- two-factor (TOTP) ----------------------------------------------------------------

def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def _totp_counter(secret: str, code: str, now: datetime) -> int | None:
    """The time step the code belongs to (±1 step of drift), or None."""
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    for drift in (0, -1, 1):
        at = now + timedelta(seconds=drift * totp.interval)
        if secrets.compare_digest(totp.at(at), code):
            return int(at.timestamp()) // totp.interval
    return None


def enable_totp(user: User, secret: str, code: str, actor: audit.Actor, *, now: datetime) -> None:
    counter = _totp_counter(secret, code, now)
    if counter is None:
        raise ValidationError("That code is not valid. Check the time on your phone.", field="code")
    user.totp_secret = secret
    user.totp_enabled = True
    user.totp_last_counter = counter
    audit.record(actor, "user.2fa_enabled", "user", user.id, now=now)


def disable_totp(user: User, actor: audit.Actor, *, now: datetime) -> None:
    user.totp_secret = None
    user.totp_enabled = False
    user.totp_last_counter = None
    audit.record(actor, "user.2fa_disabled", "user", user.id, now=now)


def verify_totp(user: User, code: str, *, now: datetime) -> bool:
    """Check a code; each code works once (no replay within its time step)."""
    if not user.totp_enabled or not user.totp_secret:
        return False
    counter = _totp_counter(user.totp_secret, code, now)
    if counter is None or (user.totp_last_counter is not None and counter <= user.totp_last_counter):
        return False
    user.totp_last_counter = counter
    db.session.flush()
    return True


# --- staff ----------------------------------------------------------------------------

def create_staff(email: str, *, role: str, name: str = "", password: str | None,
                 actor: audit.Actor, now: datetime) -> User:
    email = normalise_email(email)
    if role not in STAFF_ROLES:
        raise ValidationError(f"Role must be one of {', '.join(STAFF_ROLES)}.", field="role")
    if "@" not in email:
        raise ValidationError("Enter a valid email address.", field="email")
    if find_user_by_email(email):
        raise Conflict("A user with this email already exists.", field="email")
    user = User(email=email, role=role, name=name, created_at=now)
    if password is not None:
        problem = password_problem(password, email=email)
        if problem:
            raise ValidationError(problem, field="password")
        user.password_hash = hash_password(password)
        user.password_changed_at = now
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "staff.create", "user", user.id, after={"email": email, "role": role}, now=now)
    return user
