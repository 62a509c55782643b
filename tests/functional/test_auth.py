"""Signing in and out, throttling, sessions, safe redirects, password reset, 2FA."""

from __future__ import annotations

import time
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, update

from partner_portal.models import LoginAttempt, PasswordResetToken, User
from partner_portal.models.base import utcnow

from ..support import DEFAULT_PASSWORD, csrf_token_from, login
from ..support.sign_in_attempts import enable_two_factor


@pytest.mark.parametrize("role, home", [
    ("owner", "/admin/"), ("manager", "/admin/"), ("finance", "/admin/"),
    ("analyst", "/admin/"), ("partner", "/partner/"),
])
def test_each_role_lands_on_its_home(client, make_user, role, home):
    user = make_user(role)
    response = login(client, user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == home
    page = client.get(home)
    assert page.status_code == 200


def test_wrong_password_is_refused_with_a_message(client, make_user):
    user = make_user("manager")
    response = login(client, user.email, "not-the-password")
    assert response.status_code == 401
    assert "Wrong email or password." in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302  # still signed out


def test_unknown_email_gets_the_same_message(client, db):
    response = login(client, "nobody@example.test", "whatever-password")
    assert response.status_code == 401
    assert "Wrong email or password." in response.get_data(as_text=True)


def test_email_is_case_insensitive(client, make_user):
    user = make_user("manager")
    assert login(client, user.email.upper()).status_code == 302


def test_throttling_per_account_kicks_in_and_resets(app, client, make_user, db):
    user = make_user("manager")
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        assert login(client, user.email, "wrong-password").status_code == 401
    # Even the right password is refused while the account is throttled.
    throttled = login(client, user.email)
    assert throttled.status_code == 429
    assert "Too many failed sign-in attempts" in throttled.get_data(as_text=True)
    # Once the window has passed, the account can sign in again.
    db.session.execute(update(LoginAttempt).values(
        created_at=utcnow() - timedelta(seconds=app.config["LOGIN_WINDOW_SECONDS"] + 1)))
    db.session.commit()
    assert login(client, user.email).status_code == 302


def test_successful_login_clears_the_account_failures(app, client, make_user, db):
    user = make_user("manager")
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit - 1):
        login(client, user.email, "wrong-password")
    assert login(client, user.email).status_code == 302
    client.post("/logout")
    # The account starts afresh: as many failures as before are allowed again.
    for _ in range(limit - 1):
        assert login(client, user.email, "wrong-password").status_code == 401
    assert login(client, user.email).status_code == 302


def test_the_victims_signing_in_does_not_forgive_the_attackers_address(app, client, make_user):
    """A complete sign-in clears the account's failures, but the guesses still count
    against the address they came from."""
    per_account = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] - 1
    victims = [make_user("manager") for _ in range(
        -(-app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] // per_account))]
    guesses = 0
    for victim in victims:
        for _ in range(per_account):
            if guesses < app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]:
                assert login(client, victim.email, "guess-password").status_code == 401
                guesses += 1
        # The victim signs in from elsewhere: their account starts afresh.
        assert app.test_client().post("/login", data={"email": victim.email, "password": DEFAULT_PASSWORD},
                                      environ_base={"REMOTE_ADDR": "192.0.2.77"}).status_code == 302
    assert login(client, "someone-else@example.test", "guess-password").status_code == 429


def test_throttling_per_client_address(app, client, make_user):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    victim = make_user("manager")
    for i in range(limit):
        login(client, f"guess{i}@example.test", "wrong-password")
    # A different account from the same address is refused too.
    assert login(client, victim.email).status_code == 429
    # ...but the same account from another address is fine.
    other = app.test_client()
    response = other.post("/login", data={"email": victim.email, "password": DEFAULT_PASSWORD},
                          environ_base={"REMOTE_ADDR": "192.0.2.55"})
    assert response.status_code == 302


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(app, client, make_user):
    """Without PROXY_FIX_X_FOR, a client cannot dodge throttling by inventing headers."""
    victim = make_user("manager")
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    for i in range(limit):
        client.post("/login", data={"email": f"g{i}@example.test", "password": "x" * 12},
                    headers={"X-Forwarded-For": f"10.0.0.{i}"})
    response = client.post("/login", data={"email": victim.email, "password": DEFAULT_PASSWORD},
                           headers={"X-Forwarded-For": "10.9.9.9"})
    assert response.status_code == 429


def test_client_address_is_read_from_a_trusted_proxy(db):
    """With one trusted proxy, the address before it counts, per real client."""
    from partner_portal import create_app

    proxied = create_app("testing", WTF_CSRF_ENABLED=False, PROXY_FIX_X_FOR=1,
                         SQLALCHEMY_DATABASE_URI=db.engine.url.render_as_string(hide_password=False))
    with proxied.app_context():
        from tests.factories import StaffFactory

        user = StaffFactory(role="manager")
        from partner_portal.extensions import db as _db

        _db.session.commit()
        email = user.email
        c = proxied.test_client()
        limit = proxied.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
        for i in range(limit):
            c.post("/login", data={"email": f"g{i}@example.test", "password": "x" * 12},
                   headers={"X-Forwarded-For": "203.0.113.9"})
        blocked = c.post("/login", data={"email": email, "password": DEFAULT_PASSWORD},
                         headers={"X-Forwarded-For": "203.0.113.9"})
        assert blocked.status_code == 429
        ok = c.post("/login", data={"email": email, "password": DEFAULT_PASSWORD},
                    headers={"X-Forwarded-For": "203.0.113.10"})
        assert ok.status_code == 302
        assert _db.session.scalar(select(User.last_login_ip).where(User.email == email)) == "203.0.113.10"
        _db.session.remove()


def test_missing_csrf_token_is_refused(app, client, make_user):
    user = make_user("manager")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 400
        assert "form expired" in response.get_data(as_text=True)
        # With the token from the page, the same login works.
        token = csrf_token_from(client.get("/login").get_data(as_text=True))
        ok = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD,
                                         "csrf_token": token})
        assert ok.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def _session_cookie(client):
    cookie = client.get_cookie("pp_session")
    return cookie.value if cookie else None


def test_session_id_changes_at_login(client, make_user):
    user = make_user("manager")
    with client.session_transaction() as s:
        s["sid"] = "planted-by-attacker"
        s["something"] = "from before login"
    before = _session_cookie(client)
    login(client, user.email)
    after = _session_cookie(client)
    assert before and after and before != after
    with client.session_transaction() as s:
        assert s["sid"] != "planted-by-attacker"
        assert "something" not in s
        first_sid = s["sid"]
    client.post("/logout")
    login(client, user.email)
    with client.session_transaction() as s:
        assert s["sid"] != first_sid


def test_logout_ends_every_session_of_the_user(app, make_user):
    user = make_user("manager")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user.email)
    login(phone, user.email)
    assert phone.get("/admin/").status_code == 200
    laptop.post("/logout")
    assert laptop.get("/admin/").status_code == 302
    assert phone.get("/admin/").status_code == 302


def test_password_change_ends_other_sessions_but_keeps_this_one(app, make_user):
    user = make_user("manager")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, user.email)
    login(phone, user.email)
    response = laptop.post("/admin/account", data={
        "current_password": DEFAULT_PASSWORD, "password": "a-brand-new-password",
        "confirm": "a-brand-new-password"})
    assert response.status_code == 302
    assert laptop.get("/admin/").status_code == 200
    assert phone.get("/admin/").status_code == 302
    assert login(app.test_client(), user.email, "a-brand-new-password").status_code == 302


def test_password_change_with_wrong_current_password_changes_nothing(client, login_as, db):
    user = login_as("manager")
    old_hash = user.password_hash
    response = client.post("/admin/account", data={
        "current_password": "wrong-one-here", "password": "a-brand-new-password",
        "confirm": "a-brand-new-password"})
    assert "The current password is not correct." in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == old_hash


def test_passwords_are_hashed_with_argon2id(make_user):
    user = make_user("manager")
    assert user.password_hash.startswith("$argon2id$")


def test_logout_get_asks_for_confirmation(client, login_as):
    login_as("analyst")
    page = client.get("/logout")
    assert page.status_code == 200 and "Sign out?" in page.get_data(as_text=True)
    assert client.get("/admin/").status_code == 200  # a GET never signs out


# --- next after login -------------------------------------------------------------------

OFFSITE = ["//evil.example", "https://evil.example/", "http:evil.example", "/\\evil.example",
           "\\\\evil.example", "https://a@evil.example", "/%2F%2Fevil.example".replace("%2F", "/"),
           "javascript:alert(1)", "/admin/\r\nLocation: https://evil.example", " //evil.example",
           "///evil.example", "/\t/evil.example"]


@pytest.mark.parametrize("target", OFFSITE)
def test_next_cannot_leave_the_site(client, make_user, target):
    user = make_user("manager")
    response = login(client, user.email, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


def test_next_on_the_site_is_followed(client, make_user):
    user = make_user("manager")
    response = login(client, user.email, next="/admin/account")
    assert response.headers["Location"] == "/admin/account"


def test_unauthenticated_admin_request_goes_to_login_with_next(client, db):
    response = client.get("/admin/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


# --- password reset ---------------------------------------------------------------------

def _reset_link(outbox) -> str:
    import re

    messages = outbox.messages()
    assert messages, "no reset email was sent"
    body = messages[-1].get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https?://\S+/password/reset/\S+", body).group(0)


def test_reset_link_works_once(client, make_user, outbox):
    user = make_user("partner")
    client.post("/password/forgot", data={"email": user.email})
    link = _reset_link(outbox)
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert client.get("/" + path).status_code == 200
    done = client.post("/" + path, data={"password": "fresh-password-1", "confirm": "fresh-password-1"})
    assert done.status_code == 302
    assert login(client, user.email, "fresh-password-1").status_code == 302
    client.post("/logout")
    # The same link again: refused, and the password is unchanged.
    again = client.post("/" + path, data={"password": "other-password-2", "confirm": "other-password-2"})
    assert again.status_code == 410
    assert login(client, user.email, "other-password-2").status_code == 401


def test_reset_link_expires(client, make_user, outbox, db):
    user = make_user("manager")
    client.post("/password/forgot", data={"email": user.email})
    path = "/" + _reset_link(outbox).split("://", 1)[1].split("/", 1)[1]
    db.session.execute(update(PasswordResetToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = client.post(path, data={"password": "fresh-password-1", "confirm": "fresh-password-1"})
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)
    assert login(client, user.email, "fresh-password-1").status_code == 401


def test_reset_request_does_not_reveal_accounts(client, db, outbox):
    response = client.post("/password/forgot", data={"email": "nobody@example.test"},
                           follow_redirects=True)
    assert "If that address has an account" in response.get_data(as_text=True)
    assert outbox.messages() == []


def test_reset_ends_existing_sessions(app, make_user, outbox):
    user = make_user("manager")
    other = app.test_client()
    login(other, user.email)
    c = app.test_client()
    c.post("/password/forgot", data={"email": user.email})
    path = "/" + _reset_link(outbox).split("://", 1)[1].split("/", 1)[1]
    c.post(path, data={"password": "fresh-password-1", "confirm": "fresh-password-1"})
    assert other.get("/admin/").status_code == 302


# --- two-factor -------------------------------------------------------------------------

def _enable_2fa(client, db, user) -> tuple[str, str]:
    """Turn on two-factor sign-in for ``user``; returns the secret and the code it used."""
    return enable_two_factor(client, db, user)


def test_two_factor_is_asked_for_after_the_password(app, client, login_as, db):
    user = login_as("manager")
    secret, _used = _enable_2fa(client, db, user)
    fresh = app.test_client()
    response = login(fresh, user.email)
    assert response.headers["Location"] == "/login/2fa"
    assert fresh.get("/admin/").status_code == 302  # not signed in yet
    assert fresh.post("/login/2fa", data={"code": "000000"}).status_code == 401
    # Setup used this time step's code; the next step's code (within the allowed drift) works.
    next_code = pyotp.TOTP(secret).at(time.time() + 30)
    ok = fresh.post("/login/2fa", data={"code": next_code})
    assert ok.status_code == 302 and ok.headers["Location"] == "/admin/"
    assert fresh.get("/admin/").status_code == 200


def test_a_two_factor_code_cannot_be_replayed(app, client, login_as, db):
    user = login_as("manager")
    _secret, code = _enable_2fa(client, db, user)
    first = app.test_client()
    login(first, user.email)
    # The setup already used this code (the same one, even if a new 30-second step has
    # begun since), so it cannot sign in again.
    assert first.post("/login/2fa", data={"code": code}).status_code == 401


def test_owner_can_make_two_factor_mandatory(app, client, login_as, make_user, db):
    login_as("owner")
    assert client.post("/admin/settings/security", data={"staff_2fa_required": "y"}).status_code == 302
    analyst = make_user("analyst")
    c = app.test_client()
    login(c, analyst.email)
    response = c.get("/admin/")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/account/2fa"
    assert c.get("/admin/account/2fa").status_code == 200


# --- roles ------------------------------------------------------------------------------

@pytest.mark.parametrize("role, status", [("owner", 302), ("manager", 403), ("finance", 403),
                                          ("analyst", 403)])
def test_only_owners_change_security_settings(client, login_as, role, status):
    login_as(role)
    response = client.post("/admin/settings/security", data={"staff_2fa_required": "y"})
    assert response.status_code == status


def test_banned_partner_cannot_sign_in(client, make_user):
    user = make_user("partner", status="banned")
    response = login(client, user.email)
    assert response.status_code == 401
    assert "closed" in response.get_data(as_text=True)


def test_applied_partner_sees_their_application_status(client, login_as):
    login_as("partner", status="applied")
    page = client.get("/partner/").get_data(as_text=True)
    assert "under review" in page
