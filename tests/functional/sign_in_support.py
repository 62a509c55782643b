"""Turning on two-factor sign-in the way a user does, from the setup page."""

from __future__ import annotations

import re
import time

import pyotp

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
