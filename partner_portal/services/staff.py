"""Staff management: owners invite staff with a role, change roles, deactivate accounts.

An invited user has no password; the emailed link (a password-reset token with a longer
life) lets them choose one. Nobody can change their own role or deactivate themselves, and
the program always keeps at least one active owner.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from sqlalchemy import func, select

from ..extensions import db
from ..models import User
from ..models.accounts import STAFF_ROLES
from . import accounts, audit, notifications
from .errors import Conflict, NotFound, ValidationError
from .locking import advisory_lock

# Builds the absolute set-password URL for a token (the view knows the routes).
LinkBuilder = Callable[[str], str]


def list_staff() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role.in_(STAFF_ROLES))
                                   .order_by(User.is_active_account.desc(), User.email)))


def get(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.is_staff:
        raise NotFound("There is no such staff member.")
    return user


def _send_invite(user: User, link_for: LinkBuilder, max_age_seconds: int, now: datetime) -> None:
    token = accounts.create_reset_token(user, now=now, max_age_seconds=max_age_seconds)
    notifications.staff_invited(user, link_for(token), max_age_seconds // 60)


def invite(email: str, role: str, actor: audit.Actor, *, now: datetime, link_for: LinkBuilder,
           max_age_seconds: int, name: str = "") -> User:
    user = accounts.create_staff(email, role=role, name=(name or "").strip(), password=None,
                                 actor=actor, now=now)
    _send_invite(user, link_for, max_age_seconds, now)
    audit.record(actor, "staff.invite", "user", user.id, after={"email": user.email, "role": role},
                 now=now)
    return user


def resend_invite(user_id: int, actor: audit.Actor, *, now: datetime, link_for: LinkBuilder,
                  max_age_seconds: int) -> User:
    user = get(user_id)
    if user.password_hash:
        raise Conflict(f"{user.email} has already chosen a password.")
    if not user.is_active_account:
        raise Conflict(f"{user.email} is deactivated; reactivate the account first.")
    _send_invite(user, link_for, max_age_seconds, now)
    audit.record(actor, "staff.invite_resent", "user", user.id, after={"email": user.email}, now=now)
    return user


def _active_owners_besides(user: User) -> int:
    advisory_lock("staff:owners")  # two owners demoting each other at once cannot both win
    return db.session.scalar(select(func.count()).select_from(User).where(
        User.role == "owner", User.is_active_account.is_(True), User.id != user.id)) or 0


def _not_self(user: User, actor: audit.Actor, what: str) -> None:
    if actor.user_id == user.id:
        raise ValidationError(f"You cannot {what} your own account; ask another owner.")


def change_role(user_id: int, role: str, actor: audit.Actor, *, now: datetime) -> User:
    user = get(user_id)
    if role not in STAFF_ROLES:
        raise ValidationError(f"Role must be one of {', '.join(STAFF_ROLES)}.", field="role")
    if role == user.role:
        return user
    _not_self(user, actor, "change the role of")
    if user.role == "owner" and user.is_active_account and not _active_owners_besides(user):
        raise Conflict("The program needs at least one active owner.", field="role")
    before = {"role": user.role}
    user.role = role  # the guard reads the role on every request: it applies at once
    audit.record(actor, "staff.role_change", "user", user.id, before=before, after={"role": role},
                 now=now)
    return user


def set_active(user_id: int, active: bool, actor: audit.Actor, *, now: datetime) -> User:
    user = get(user_id)
    if user.is_active_account == active:
        return user
    if not active:
        _not_self(user, actor, "deactivate")
        if user.role == "owner" and not _active_owners_besides(user):
            raise Conflict("The program needs at least one active owner.")
    user.is_active_account = active
    if not active:
        accounts.end_all_sessions(user)
    audit.record(actor, "staff.reactivate" if active else "staff.deactivate", "user", user.id,
                 before={"active": not active}, after={"active": active}, now=now)
    return user
