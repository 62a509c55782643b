"""Flask-Login glue: loading the user, starting and ending sessions, the client address."""

from __future__ import annotations

import secrets

from flask import request, session
from flask_login import login_user, logout_user

from ...extensions import db
from ...models import User


def load_user(user_id: str) -> User | None:
    """The session stores ``"<id>:<auth_version>"``; a bumped version ends the session."""
    try:
        raw_id, raw_version = user_id.split(":", 1)
        user = db.session.get(User, int(raw_id))
        version = int(raw_version)
    except (ValueError, TypeError):
        return None
    if user is None or user.auth_version != version or not user.is_active_account:
        return None
    return user


def client_ip() -> str:
    """The caller's address. Behind proxies, ProxyFix (PROXY_FIX_X_FOR) has already put the
    trusted hop's X-Forwarded-For value into ``remote_addr``; untrusted headers are ignored."""
    return request.remote_addr or "0.0.0.0"


def start_session(user: User) -> None:
    """Log in with a brand-new session: nothing from before the login survives, and the
    session gets a fresh random id (so a planted session cannot be promoted)."""
    session.clear()
    session["sid"] = secrets.token_urlsafe(24)
    session.permanent = True
    login_user(user)


def end_session() -> None:
    logout_user()
    session.clear()


def home_endpoint(user: User) -> str:
    return "partner.home" if user.is_partner else "admin.home"
