"""A partner's own account: profile, changing the sign-in email."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, update

from ..extensions import db
from ..models import EmailChangeToken, Partner, User
from . import accounts, audit
from .errors import Conflict, NotFound, ValidationError

DISPLAY_NAME_MAX = 80


def update_profile(partner: Partner, display_name: str | None, leaderboard_opt_out: bool, *,
                   actor: audit.Actor, now: datetime) -> None:
    name = (display_name or "").strip()
    if len(name) > DISPLAY_NAME_MAX:
        raise ValidationError(f"Keep the display name to {DISPLAY_NAME_MAX} characters.",
                              field="display_name")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ValidationError("The display name cannot contain control characters.",
                              field="display_name")
    before = audit.snapshot(partner, ["display_name", "leaderboard_opt_out"])
    partner.display_name = name or None
    partner.leaderboard_opt_out = bool(leaderboard_opt_out)
    db.session.flush()
    after = audit.snapshot(partner, ["display_name", "leaderboard_opt_out"])
    if after != before:
        audit.record(actor, "partner.profile_update", "partner", partner.id, before=before,
                     after=after, now=now)


# --- changing the sign-in email ---------------------------------------------------------

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _address_free(email: str, user: User) -> None:
    taken = accounts.find_user_by_email(email)
    partner = db.session.scalar(select(Partner.id).where(Partner.email == email))
    if (taken is not None and taken.id != user.id) or \
            (partner is not None and partner != user.partner_id):
        raise Conflict("Another account already uses this address.", field="new_email")


def request_email_change(user: User, new_email: str, *, now: datetime,
                         max_age_seconds: int, actor: audit.Actor) -> str:
    """Start changing ``user``'s email: returns a token for the link sent to the new
    address (only its hash is stored). Earlier pending requests stop working. The caller
    has had the user confirm their password (throttled, like a sign-in)."""
    try:
        email = accounts.normalise_email(
            validate_email(new_email or "", check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise ValidationError(f"Enter a valid email address ({exc}).", field="new_email") from None
    if email == user.email:
        raise ValidationError("That is already your email address.", field="new_email")
    _address_free(email, user)
    db.session.execute(update(EmailChangeToken)
                       .where(EmailChangeToken.user_id == user.id, EmailChangeToken.used_at.is_(None))
                       .values(used_at=now))
    token = secrets.token_urlsafe(32)
    db.session.add(EmailChangeToken(user_id=user.id, new_email=email, token_hash=_hash(token),
                                    created_at=now, expires_at=now + timedelta(seconds=max_age_seconds)))
    db.session.flush()
    audit.record(actor, "account.email_change_requested", "user", user.id,
                 after={"new_email": email}, now=now)
    return token


@dataclass(frozen=True)
class EmailChanged:
    old: str
    new: str


def pending_email(user: User, now: datetime) -> str | None:
    return db.session.scalar(select(EmailChangeToken.new_email).where(
        EmailChangeToken.user_id == user.id, EmailChangeToken.used_at.is_(None),
        EmailChangeToken.expires_at > now).order_by(EmailChangeToken.id.desc()).limit(1))


def token_belongs_to(user: User, token: str) -> bool:
    return db.session.scalar(select(EmailChangeToken.id).where(
        EmailChangeToken.token_hash == _hash(token or ""),
        EmailChangeToken.user_id == user.id)) is not None


def confirm_email_change(user: User, token: str, *, now: datetime,
                         actor: audit.Actor) -> EmailChanged:
    """Finish the change from the emailed link. Someone else's or an unknown token is
    ``NotFound``; an expired or used one is a ``ValidationError``."""
    row = db.session.scalar(select(EmailChangeToken).where(
        EmailChangeToken.token_hash == _hash(token or "")))
    if row is None or row.user_id != user.id:
        raise NotFound("No such link.")
    if row.used_at is not None or row.expires_at <= now:
        raise ValidationError("This link has expired or was already used. Ask for a new one.",
                              field="token")
    _address_free(row.new_email, user)
    old = user.email
    user.email = row.new_email
    if user.partner is not None:
        user.partner.email = row.new_email
    row.used_at = now
    db.session.flush()
    audit.record(actor, "account.email_change", "user", user.id, before={"email": old},
                 after={"email": row.new_email}, now=now)
    return EmailChanged(old, row.new_email)

