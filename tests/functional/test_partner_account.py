"""A partner's account: changing the sign-in email, email preferences, two-factor."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from partner_portal.models import AuditEntry, EmailChangeToken, User
from partner_portal.services import preferences

from ..factories import PartnerFactory
from ..support import DEFAULT_PASSWORD, login


def confirm_link(mail) -> str:
    body = mail.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https?://\S+/partner/account/email/confirm/\S+", body).group(0)


def test_changing_the_email_needs_the_new_address_confirmed_and_tells_the_old(
        app, client, db, login_as, smtp_server):
    user = login_as("partner", email="old@example.test")
    response = client.post("/partner/account/email", data={
        "email-new_email": "New.Address@Example.com", "email-password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "new.address@example.com"
    link = confirm_link(mail)
    db.session.refresh(user)
    assert user.email == "old@example.test"  # nothing changes before the link is opened
    assert "Waiting for you to confirm new.address@example.com" in \
        client.get("/partner/account").get_data(as_text=True)

    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)  # opening the link shows a button: scanners change nothing
    assert page.status_code == 200 and "Use my new email address" in page.get_data(as_text=True)
    done = client.post("/" + path)
    assert done.status_code == 302
    db.session.refresh(user)
    assert user.email == user.partner.email == "new.address@example.com"
    mails = smtp_server.wait_for(2)
    told = mails[1]
    assert told["To"] == "old@example.test"
    assert "new.address@example.com" in told.get_body(preferencelist=("plain",)).get_content()
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.email_change"))
    assert audit.before == {"email": "old@example.test"}

    # The link works once; the new address signs in, the old one no longer does.
    again = client.post("/" + path, follow_redirects=True)
    assert "expired or was already used" in again.get_data(as_text=True)
    other = app.test_client()
    assert login(other, "old@example.test").status_code == 401
    assert login(other, "new.address@example.com").status_code == 302


@pytest.mark.parametrize("data, field, message", [
    ({"new_email": "not-an-email", "password": DEFAULT_PASSWORD}, "new_email", "valid email"),
    ({"new_email": "taken@example.com", "password": DEFAULT_PASSWORD}, "new_email",
     "Another account already uses this address."),
    ({"new_email": "fresh@example.com", "password": "wrong-password"}, "password",
     "The password is not correct."),
    ({"new_email": "me@example.com", "password": DEFAULT_PASSWORD}, "new_email",
     "That is already your email address."),
    ({"new_email": "", "password": DEFAULT_PASSWORD}, "new_email", "This field is required."),
])
def test_bad_email_changes_name_the_field_and_send_nothing(client, db, login_as, outbox, data,
                                                           field, message):
    login_as("partner", email="me@example.com")
    PartnerFactory(email="taken@example.com")
    db.session.commit()
    response = client.post("/partner/account/email",
                           data={f"email-{k}": v for k, v in data.items()})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(rf'id="email-{field}-error"[^>]*>[^<]*{re.escape(message)}', html)
    assert outbox.messages() == []
    assert db.session.scalar(select(EmailChangeToken)) is None


def test_an_expired_link_changes_nothing(client, db, login_as, outbox):
    user = login_as("partner", email="me@example.com")
    client.post("/partner/account/email", data={"email-new_email": "later@example.com",
                                                "email-password": DEFAULT_PASSWORD})
    path = confirm_link(outbox.messages()[0]).split("://", 1)[1].split("/", 1)[1]
    token = db.session.scalar(select(EmailChangeToken))
    token.expires_at = token.created_at - timedelta(seconds=1)
    db.session.commit()
    response = client.post("/" + path, follow_redirects=True)
    assert "expired or was already used" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.email == "me@example.com"


def test_a_newer_request_voids_the_older_link(client, db, login_as, outbox):
    login_as("partner", email="me@example.com")
    for address in ("first@example.com", "second@example.com"):
        client.post("/partner/account/email", data={"email-new_email": address,
                                                    "email-password": DEFAULT_PASSWORD})
    first, second = outbox.messages()
    path = confirm_link(first).split("://", 1)[1].split("/", 1)[1]
    client.post("/" + path)
    assert db.session.scalar(select(User.email).where(User.role == "partner")) == "me@example.com"


def test_email_preferences(client, db, login_as):
    partner = login_as("partner").partner
    page = client.get("/partner/account").get_data(as_text=True)
    for kind in preferences.KINDS:
        assert f'id="pref-{kind.code}" name="kinds" value="{kind.code}" checked' in page
    client.post("/partner/account/notifications", data={"kinds": ["payout_paid"]})
    assert preferences.choices(partner) == {"payout_paid": True, "statement_ready": False,
                                            "announcements": False}
    assert preferences.wants(partner, "payout_paid") and not preferences.wants(partner, "announcements")
    page = client.get("/partner/account").get_data(as_text=True)
    assert re.search(r'value="payout_paid"\s+checked', page)
    assert not re.search(r'value="announcements"\s+checked', page)
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "partner.email_preferences"))
    assert audit.after["announcements"] is False


def test_two_factor_for_partners(app, client, db, login_as):
    user = login_as("partner")
    setup = client.get("/partner/account/2fa").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', setup).group(1)
    wrong = client.post("/partner/account/2fa", data={"code": "000000"})
    assert wrong.status_code == 422 and "not valid" in wrong.get_data(as_text=True)
    assert client.post("/partner/account/2fa", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    db.session.refresh(user)
    assert user.totp_enabled

    # Signing in now asks for a code.
    other = app.test_client()
    first = login(other, user.email)
    assert first.headers["Location"] == "/login/2fa"

    # Turning it off needs the password.
    refused = client.post("/partner/account/2fa/disable", data={"tfa-password": "nope-nope-nope"})
    assert refused.status_code == 422 and "The password is not correct." in refused.get_data(as_text=True)
    db.session.refresh(user)
    assert user.totp_enabled
    client.post("/partner/account/2fa/disable", data={"tfa-password": DEFAULT_PASSWORD})
    db.session.refresh(user)
    assert not user.totp_enabled
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"user.2fa_enabled", "user.2fa_disabled"} <= actions


def test_a_suspended_partner_still_reaches_their_account(client, db, login_as):
    login_as("partner", status="suspended")
    assert client.get("/partner/account").status_code == 200
    assert client.get("/partner/account/2fa").status_code == 200
    assert client.get("/partner/links").headers["Location"] == "/partner/"


def test_the_account_page_has_no_duplicate_ids(app, client, db, login_as, monkeypatch):
    login_as("partner")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # the hidden tokens too
    html = client.get("/partner/account").get_data(as_text=True)
    assert html.count('name="pw-csrf_token"') == 1
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_changing_the_password_from_the_account_page(app, client, db, login_as):
    user = login_as("partner")
    wrong = client.post("/partner/account", data={"pw-current_password": "not-it-at-all",
                                                  "pw-password": "a-new-strong-password",
                                                  "pw-confirm": "a-new-strong-password"})
    assert wrong.status_code == 422 and 'id="pw-current_password-error"' in wrong.get_data(as_text=True)
    done = client.post("/partner/account", data={"pw-current_password": DEFAULT_PASSWORD,
                                                 "pw-password": "a-new-strong-password",
                                                 "pw-confirm": "a-new-strong-password"})
    assert done.status_code == 302
    assert login(app.test_client(), user.email, "a-new-strong-password").status_code == 302
