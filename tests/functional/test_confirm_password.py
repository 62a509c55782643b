"""Account changes that ask for the current password again (changing the password, a
partner's sign-in email) count a wrong one as a failed sign-in: a stolen session cannot
be used to guess the password without limit."""

from __future__ import annotations

import pytest

from ..support import DEFAULT_PASSWORD, login
from ..support.sign_in_attempts import window_passes

NEW = "a-brand-new-password"
FORMS = {
    "staff password": ("manager", "/admin/account",
                       lambda pw: {"current_password": pw, "password": NEW, "confirm": NEW}),
    "partner password": ("partner", "/partner/account",
                         lambda pw: {"pw-current_password": pw, "pw-password": NEW,
                                     "pw-confirm": NEW}),
    "partner email": ("partner", "/partner/account/email",
                      lambda pw: {"email-new_email": "elsewhere@example.com",
                                  "email-password": pw}),
}


@pytest.mark.parametrize("form", list(FORMS))
def test_wrong_current_passwords_are_throttled_like_sign_in_failures(app, client, db, login_as,
                                                                     outbox, form):
    role, path, data = FORMS[form]
    user = login_as(role)
    email = user.email
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        wrong = client.post(path, data=data("not-the-password"))
        assert "is not correct." in wrong.get_data(as_text=True)
    throttled = client.post(path, data=data(DEFAULT_PASSWORD))
    assert "Too many failed attempts. Try again in 15 minutes." in throttled.get_data(as_text=True)
    assert login(app.test_client(), email).status_code == 429
    assert outbox.messages() == []
    # Nothing changed: once the window has passed, the old password still signs in.
    window_passes(app, db)
    assert login(app.test_client(), email).status_code == 302
    assert login(app.test_client(), email, NEW).status_code == 401
