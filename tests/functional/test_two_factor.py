"""Two-factor sign-in: setting it up keeps the key out of the session cookie, and turning
it off asks for the password or a current code, throttled like a sign-in."""

from __future__ import annotations

import base64
import time
import zlib
from datetime import timedelta

import pyotp
import pytest
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select, update

from partner_portal.models import AuditEntry, User
from partner_portal.models.base import utcnow

from ..support import DEFAULT_PASSWORD, login
from ..support.sign_in_attempts import PARALLEL, enable_two_factor, in_parallel, next_code, setup_secret

SIDES = ["admin", "partner"]
ROLE = {"admin": "manager", "partner": "partner"}


def disable(client, side: str, **fields):
    return client.post(f"/{side}/account/2fa/disable",
                       data={f"tfa-{name}": value for name, value in fields.items()})


def totp_enabled(db, user) -> bool:
    db.session.expire_all()
    return db.session.get(User, user.id).totp_enabled


def session_cookie(app, client) -> tuple[str, dict]:
    """The raw session cookie and what it decodes to: anyone holding the cookie can read
    this much (Flask signs the cookie, it does not encrypt it)."""
    raw = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    payload = raw[1:] if raw.startswith(".") else raw
    body = base64.urlsafe_b64decode(payload.split(".")[0] + "==")
    text = (zlib.decompress(body) if raw.startswith(".") else body).decode()
    decoded = SecureCookieSessionInterface().get_signing_serializer(app).loads(raw)
    return text, decoded


# --- the setup key stays on the server ----------------------------------------------------

@pytest.mark.parametrize("side", SIDES)
def test_the_setup_secret_is_not_in_the_session_cookie(app, client, db, login_as, side):
    user = login_as(ROLE[side])
    page = client.get(f"/{side}/account/2fa").get_data(as_text=True)
    secret = setup_secret(page)
    text, decoded = session_cookie(app, client)
    assert secret not in text
    assert secret not in repr(decoded)
    # Reloading the page shows the same key (the app may already hold it) …
    assert setup_secret(client.get(f"/{side}/account/2fa").get_data(as_text=True)) == secret
    # … and a code from it finishes the setup.
    done = client.post(f"/{side}/account/2fa", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302
    assert totp_enabled(db, user)
    assert secret not in session_cookie(app, client)[0]
    fresh = app.test_client()
    assert login(fresh, user.email).headers["Location"] == "/login/2fa"
    assert fresh.post("/login/2fa", data={"code": next_code(secret)}).status_code == 302


@pytest.mark.parametrize("side", SIDES)
def test_a_setup_key_another_session_holds_does_not_work_after_it_expires(app, client, db,
                                                                           login_as, side):
    user = login_as(ROLE[side])
    old = setup_secret(client.get(f"/{side}/account/2fa").get_data(as_text=True))
    db.session.execute(update(User).where(User.id == user.id)
                       .values(totp_setup_expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    late = client.post(f"/{side}/account/2fa", data={"code": pyotp.TOTP(old).now()})
    assert late.status_code == 422
    page = late.get_data(as_text=True)
    assert "This setup has expired" in page and 'id="code-error"' in page
    assert not totp_enabled(db, user)
    new = setup_secret(page)
    assert new != old
    assert client.post(f"/{side}/account/2fa", data={"code": pyotp.TOTP(new).now()}).status_code == 302
    assert totp_enabled(db, user)


# --- turning it off ------------------------------------------------------------------------

@pytest.mark.parametrize("side", SIDES)
def test_turning_two_factor_off_needs_the_password_or_a_code(app, client, db, login_as, side):
    user = login_as(ROLE[side])
    enable_two_factor(client, db, user, side)

    nothing = disable(client, side)
    assert nothing.status_code == 422
    assert "Enter your password or a code from your authenticator app." in nothing.get_data(as_text=True)
    assert 'id="tfa-password-error"' in nothing.get_data(as_text=True)
    assert totp_enabled(db, user)

    wrong = disable(client, side, password="not-the-password")
    assert wrong.status_code == 422
    assert "The password is not correct." in wrong.get_data(as_text=True)
    assert 'id="tfa-password-error"' in wrong.get_data(as_text=True)
    assert totp_enabled(db, user)

    bad_code = disable(client, side, code="000000")
    assert bad_code.status_code == 422
    assert "That code is not valid." in bad_code.get_data(as_text=True)
    assert 'id="tfa-code-error"' in bad_code.get_data(as_text=True)
    assert totp_enabled(db, user)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.2fa_disabled")) is None

    done = disable(client, side, password=DEFAULT_PASSWORD)
    assert done.status_code == 302
    assert not totp_enabled(db, user)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.2fa_disabled"))
    assert entry.subject_id == str(user.id) and entry.actor_id == user.id
    assert entry.after == {"confirmed_with": "password"}


@pytest.mark.parametrize("side", SIDES)
def test_a_current_code_turns_two_factor_off_once(app, client, db, login_as, side):
    user = login_as(ROLE[side])
    secret, used = enable_two_factor(client, db, user, side)
    # The code that turned it on cannot turn it off (each code works once).
    assert disable(client, side, code=used).status_code == 422
    assert totp_enabled(db, user)
    assert disable(client, side, code=next_code(secret)).status_code == 302
    assert not totp_enabled(db, user)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.2fa_disabled"))
    assert entry.after == {"confirmed_with": "code"}


@pytest.mark.parametrize("side", SIDES)
def test_wrong_answers_when_turning_two_factor_off_are_throttled(app, client, db, login_as, side):
    user = login_as(ROLE[side])
    secret, _ = enable_two_factor(client, db, user, side)
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for i in range(limit):
        answer = {"password": "not-the-password"} if i % 2 else {"code": "000000"}
        assert disable(client, side, **answer).status_code == 422
    throttled = disable(client, side, password=DEFAULT_PASSWORD)
    assert throttled.status_code == 429
    assert "Too many failed attempts" in throttled.get_data(as_text=True)
    assert disable(client, side, code=next_code(secret)).status_code == 429
    assert totp_enabled(db, user)
    # They count as sign-in failures: signing in to the account is throttled too.
    assert login(app.test_client(), user.email).status_code == 429


@pytest.mark.parametrize("answer", ["password", "code"])
def test_parallel_wrong_answers_to_turn_two_factor_off_get_exactly_the_limit(app, client, db,
                                                                             login_as, answer):
    user = login_as("manager")
    secret, _ = enable_two_factor(client, db, user)
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    clients = []
    for _ in range(PARALLEL):  # the same signed-in session, used from many connections
        c = app.test_client()
        c.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
        clients.append(c)
    totp = pyotp.TOTP(secret)
    right_now = {totp.at(time.time() + drift) for drift in range(-90, 91, 15)}
    codes = [c for c in (f"{i:06d}" for i in range(PARALLEL * 2)) if c not in right_now]
    guess = (lambda i: {"password": f"guess-number-{i}"}) if answer == "password" else \
        (lambda i: {"code": codes[i]})
    statuses = in_parallel(clients, lambda i, c: disable(c, "admin", **guess(i)).status_code)
    assert sorted(statuses) == [422] * limit + [429] * (PARALLEL - limit)
    right = {"password": DEFAULT_PASSWORD} if answer == "password" else {"code": next_code(secret)}
    assert disable(clients[0], "admin", **right).status_code == 429
    assert totp_enabled(db, user)


def test_staff_cannot_turn_off_two_factor_the_program_requires(app, client, db, login_as):
    user = login_as("owner")
    enable_two_factor(client, db, user)
    client.post("/admin/settings/security", data={"staff_2fa_required": "y"})
    response = client.post("/admin/account/2fa/disable", data={"tfa-password": DEFAULT_PASSWORD},
                           follow_redirects=True)
    assert "The program requires two-factor authentication for staff." in response.get_data(as_text=True)
    assert totp_enabled(db, user)


ODD_CODES = ["١٢٣٤٥٦", "１２３４５６", "12345\u00b2", "-12345", "1e5000", "<b>1</b>", "9" * 8]


@pytest.mark.parametrize("code", ODD_CODES)
def test_odd_codes_are_refused_as_not_valid(app, client, db, login_as, code):
    user = login_as("manager")
    client.get("/admin/account/2fa")
    setup = client.post("/admin/account/2fa", data={"code": code})
    assert "That code is not valid." in setup.get_data(as_text=True)
    enable_two_factor(client, db, user)
    fresh = app.test_client()
    login(fresh, user.email)
    assert fresh.post("/login/2fa", data={"code": code}).status_code == 401
    assert disable(client, "admin", code=code).status_code == 422
    assert totp_enabled(db, user)
