"""Two-factor sign-in end to end: a partner turns it on from the account page, signs in
with a code, and turns it off again, which asks who they are. Desktop and phone."""

from __future__ import annotations

import time

import pyotp
import pytest

from ..factories import PartnerFactory
from ..support import DEFAULT_PASSWORD, sign_in_page
from .conftest import DESKTOP, PHONE, shot, sign_out

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport, label", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_a_partner_turns_two_factor_on_and_off(new_page, db, viewport, label):
    partner = PartnerFactory(name="Noor Haddad")
    db.session.commit()
    page = new_page(viewport)
    sign_in_page(page, partner.email)
    page.wait_for_url("**/partner/")

    # Set up: the key is on the page (and in the QR code); a code from it turns 2FA on.
    page.goto("/partner/account")
    page.get_by_role("link", name="Set up two-factor").click()
    page.wait_for_url("**/partner/account/2fa")
    secret = page.locator("code.secret").inner_text()
    assert page.evaluate("(img) => img.naturalWidth", page.locator("img.qr").element_handle()) > 0
    assert secret not in "".join(c["value"] for c in page.context.cookies())
    shot(page, f"two-factor-setup-{label}")
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor").click()
    page.wait_for_url("**/partner/account")
    assert "Two-factor authentication is on." in page.locator("body").inner_text()

    # Signing in now asks for a code after the password.
    sign_out(page)
    page.wait_for_url("**/login")
    sign_in_page(page, partner.email)
    page.wait_for_url("**/login/2fa")
    page.get_by_label("Six-digit code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/partner/")

    # Turning it off asks for the password (or a code); a wrong one is named and changes nothing.
    page.goto("/partner/account")
    page.get_by_label("Your password").last.fill("not-my-password")
    page.get_by_role("button", name="Turn two-factor off").click()
    error = page.locator("#tfa-password-error")
    assert error.inner_text() == "The password is not correct."
    assert page.get_by_label("Your password").last.get_attribute("aria-invalid") == "true"
    shot(page, f"two-factor-off-refused-{label}")
    page.get_by_label("Your password").last.fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Turn two-factor off").click()
    page.wait_for_url("**/partner/account")
    assert "Two-factor authentication is off." in page.locator("body").inner_text()
    assert page.js_errors == []
