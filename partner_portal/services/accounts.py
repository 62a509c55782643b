"""Logging in, throttling, password resets, two-factor and staff accounts."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import PasswordResetToken, User
from ..models.accounts import STAFF_ROLES
from . import audit, login_attempts
from .errors import AuthenticationFailed, Conflict, ValidationError
from .login_attempts import ThrottlePolicy
from .passwords import hash_password, needs_rehash, password_problem


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


# --- signing in ----------------------------------------------------------------------
#
# A password check runs in three steps so the slow hash never runs inside a transaction:
# ``start_password_check`` (in a write transaction the caller commits at once) reserves
# the attempt and reads the stored hash; the caller verifies the password with no
# transaction open; ``password_accepted`` (in a new write transaction) takes a right one.

@dataclass(frozen=True)
class PasswordCheck:
    attempt_id: int
    email: str
    user_id: int | None
    stored_hash: str | None


def start_password_check(email: str, *, ip: str, policy: ThrottlePolicy, now: datetime,
                         user: User | None = None) -> PasswordCheck:
    """Reserve a check of ``email``'s password (``Throttled`` at the limit) and read what
    the check needs. ``user``: the signed-in user confirming their own password."""
    email = normalise_email(user.email if user is not None else email)
    attempt_id = login_attempts.reserve(email, ip, policy, now=now)
    if user is None:
        user = find_user_by_email(email)
    else:
        db.session.refresh(user)
    return PasswordCheck(attempt_id, email, user.id if user else None,
                         user.password_hash if user else None)


def password_accepted(check: PasswordCheck, *, rehashed: str | None = None) -> User:
    """The user whose password was verified right: the attempt is no failure. Raises
    ``AuthenticationFailed`` (the attempt stays a failure) when the account cannot sign in
    or its password changed while it was being checked. ``rehashed``: the same password
    hashed with today's parameters, stored when the old hash needs it."""
    user = db.session.get(User, check.user_id, populate_existing=True) if check.user_id else None
    if user is None or not user.is_active_account or user.password_hash != check.stored_hash:
        raise AuthenticationFailed("Wrong email or password.", field="password")
    if user.is_partner and user.partner is not None and user.partner.status == "banned":
        raise AuthenticationFailed("This partner account has been closed.", field="email")
    login_attempts.lock_account(check.email)  # before any row of its attempts changes
    login_attempts.succeeded(check.attempt_id)
    if rehashed is not None:
        user.password_hash = rehashed
    db.session.flush()
    return user


def rehash_for(stored_hash: str | None, password: str) -> str | None:
    """A new hash of a verified password when its stored hash uses old parameters."""
    return hash_password(password) if stored_hash and needs_rehash(stored_hash) else None


def check_code(user: User, code: str, *, ip: str, policy: ThrottlePolicy, now: datetime) -> bool:
    """One throttled check of a two-factor code, whole in the caller's write transaction
    (an HMAC is cheap enough to hold the lock across). ``Throttled`` at the limit; a wrong
    code is recorded as a failure (commit it); a right one is used up."""
    attempt_id = login_attempts.reserve(normalise_email(user.email), ip, policy, now=now)
    if not verify_totp(user, code, now=now):
        return False
    login_attempts.succeeded(attempt_id)
    return True


def record_login(user: User, *, ip: str, now: datetime) -> None:
    login_attempts.clear_account(user.email)
    user.last_login_at = now
    user.last_login_ip = ip
    db.session.flush()


def end_all_sessions(user: User) -> None:
    """Invalidate every session the user holds (used on logout and password change). The
    increment is done by the database, so two at once both count."""
    user.auth_version = User.auth_version + 1
    db.session.flush()


def check_new_password(password: str, *, email: str) -> None:
    """``ValidationError`` naming ``password`` when it is not acceptable as a new one."""
    problem = password_problem(password, email=email)
    if problem:
        raise ValidationError(problem, field="password")


def new_password_hash(password: str, *, email: str) -> str:
    """The hash of an acceptable new password (slow: compute it outside any transaction),
    or ``ValidationError`` naming ``password``."""
    check_new_password(password, email=email)
    return hash_password(password)


def set_password(user: User, password_hash: str, *, now: datetime) -> None:
    """Store a hash from ``new_password_hash`` and end the user's sessions."""
    user.password_hash = password_hash
    user.password_changed_at = now
    end_all_sessions(user)


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


def find_valid_reset(token: str, *, now: datetime, for_update: bool = False
                     ) -> PasswordResetToken | None:
    query = select(PasswordResetToken).where(PasswordResetToken.token_hash == _token_hash(token or ""))
    if for_update:  # two uses of one link at once: the second waits, then finds it used
        query = query.with_for_update()
    row = db.session.scalar(query)
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    return row


def consume_reset(token: str, password_hash: str, *, now: datetime) -> User:
    """Use the link: store a hash from ``new_password_hash``."""
    row = find_valid_reset(token, now=now, for_update=True)
    if row is None:
        raise ValidationError("This reset link has expired or was already used.", field="token")
    set_password(row.user, password_hash, now=now)
    row.used_at = now
    # Every other outstanding link for this user dies with it.
    for other in db.session.scalars(
        select(PasswordResetToken).where(
            PasswordResetToken.user_id == row.user_id, PasswordResetToken.used_at.is_(None)
        )
    ):
        other.used_at = now
    login_attempts.clear_account(row.user.email)
    db.session.flush()
    return row.user


# --- two-factor (TOTP) ----------------------------------------------------------------

TOTP_SETUP_MINUTES = 15  # how long a key being set up waits for its first code


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def _totp_counter(secret: str, code: str, now: datetime) -> int | None:
    """The time step the code belongs to (±1 step of drift), or None."""
    code = (code or "").strip().replace(" ", "")
    if not (code.isascii() and code.isdigit()):  # "١٢٣٤٥٦" is digits too, but no code
        return None
    totp = pyotp.TOTP(secret)
    for drift in (0, -1, 1):
        at = now + timedelta(seconds=drift * totp.interval)
        if secrets.compare_digest(totp.at(at), code):
            return int(at.timestamp()) // totp.interval
    return None


def _setup_pending(user: User, now: datetime) -> bool:
    return bool(user.totp_setup_secret) and user.totp_setup_expires_at is not None \
        and user.totp_setup_expires_at > now


def totp_setup_secret(user: User, *, now: datetime) -> str | None:
    """The key of the user's setup in progress, if it has not expired (a read)."""
    return user.totp_setup_secret if _setup_pending(user, now) else None


def start_totp_setup(user: User, *, now: datetime) -> str:
    """The key to show on the setup page: the one in progress, else a new one kept on the
    user's row (never in the session cookie) for ``TOTP_SETUP_MINUTES``. The caller has
    begun a write transaction."""
    db.session.refresh(user)
    if not _setup_pending(user, now):
        user.totp_setup_secret = new_totp_secret()
        user.totp_setup_expires_at = now + timedelta(minutes=TOTP_SETUP_MINUTES)
        db.session.flush()
    return user.totp_setup_secret


def enable_totp(user: User, code: str, actor: audit.Actor, *, now: datetime) -> None:
    """Finish the setup with a code from the key in progress."""
    db.session.refresh(user)
    if user.totp_enabled:  # a new key replaces the old one only after turning it off
        raise Conflict("Two-factor authentication is already on.", field="code")
    if not _setup_pending(user, now):
        raise ValidationError("This setup has expired. Scan the new code below and enter the "
                              "code your app shows for it.", field="code")
    counter = _totp_counter(user.totp_setup_secret, code, now)
    if counter is None:
        raise ValidationError("That code is not valid. Check the time on your phone.", field="code")
    user.totp_secret = user.totp_setup_secret
    user.totp_enabled = True
    user.totp_last_counter = counter
    user.totp_setup_secret = user.totp_setup_expires_at = None
    audit.record(actor, "user.2fa_enabled", "user", user.id, now=now)


def disable_totp(user: User, actor: audit.Actor, *, now: datetime, confirmed_with: str) -> None:
    """Turn two-factor off; the caller has confirmed it is the user (``confirmed_with``:
    "password" or "code", kept in the audit log)."""
    user.totp_secret = None
    user.totp_enabled = False
    user.totp_last_counter = None
    user.totp_setup_secret = user.totp_setup_expires_at = None
    audit.record(actor, "user.2fa_disabled", "user", user.id,
                 after={"confirmed_with": confirmed_with}, now=now)


def verify_totp(user: User, code: str, *, now: datetime) -> bool:
    """Check a code; each code works once, even when two requests bring it at the same
    moment (the step is claimed with one conditional UPDATE)."""
    if not user.totp_enabled or not user.totp_secret:
        return False
    counter = _totp_counter(user.totp_secret, code, now)
    if counter is None:
        return False
    claimed = db.session.execute(
        update(User)
        .where(User.id == user.id, User.totp_enabled.is_(True), User.totp_secret == user.totp_secret,
               or_(User.totp_last_counter.is_(None), User.totp_last_counter < counter))
        .values(totp_last_counter=counter)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return False
    set_committed_value(user, "totp_last_counter", counter)
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
