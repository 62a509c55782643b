"""Signing in the way users (and attackers) do: two-factor set up from the setup page,
requests released from many threads at once, the throttling window made to pass."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta

import pyotp
from sqlalchemy import update

from partner_portal.models import LoginAttempt
from partner_portal.models.base import utcnow

from .conversions import run_threads

PARALLEL = 30

SECRET_ON_PAGE = re.compile(r'<code class="secret">([A-Z2-7]+)</code>')


def setup_secret(page: str) -> str:
    """The key the setup page shows (the same one its QR code holds)."""
    return SECRET_ON_PAGE.search(page).group(1)


def enable_two_factor(client, db, user, side: str = "admin") -> tuple[str, str]:
    """Turn on two-factor sign-in for ``user`` (signed in on ``client``) from the
    ``side`` ("admin" or "partner") account pages; returns the secret and the code used."""
    secret = setup_secret(client.get(f"/{side}/account/2fa").get_data(as_text=True))
    code = pyotp.TOTP(secret).now()
    response = client.post(f"/{side}/account/2fa", data={"code": code})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    db.session.refresh(user)
    assert user.totp_enabled
    return secret, code


def next_code(secret: str) -> str:
    """A code the setup (which used the current one) has not used: the next time step's,
    inside the drift a sign-in allows."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def in_parallel(clients, send) -> list:
    """Call ``send(i, client)`` for each of ``clients`` from its own thread, all released
    at the same moment; returns what each returned (or the exception it raised)."""
    barrier = threading.Barrier(len(clients))
    results: list = [None] * len(clients)

    def run(i):
        try:
            barrier.wait()
            results[i] = send(i, clients[i])
        except Exception as exc:  # returned to the test, which asserts there are none
            results[i] = exc

    run_threads(len(clients), run)
    return results


def window_passes(app, db) -> None:
    """Every recorded attempt is older than the throttling window."""
    db.session.execute(update(LoginAttempt).values(
        created_at=utcnow() - timedelta(seconds=app.config["LOGIN_WINDOW_SECONDS"] + 1)))
    db.session.commit()
