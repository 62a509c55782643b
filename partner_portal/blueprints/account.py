"""Account pages shared by staff and partners: password change and two-factor setup and
removal. Each asks for the current password (or a current code) again, throttled like a
sign-in, so a stolen session alone cannot take the account over."""

from __future__ import annotations

import segno
from flask import flash

from ..extensions import db
from ..models.base import utcnow
from ..services import accounts, audit
from ..services.errors import DomainError, Throttled, ValidationError
from ..services.locking import begin_write_after_reads
from .auth import attempts
from .auth.session import start_session
from .forms import apply_error
from .units import unit_of_work

NEED_PASSWORD_OR_CODE = "Enter your password or a code from your authenticator app."


def two_factor_qr(uri: str) -> str:
    """An SVG data URI of the provisioning QR code (rendered locally, nothing leaves)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _show(form, error: DomainError) -> int:
    """Show a failed confirmation on ``form``; the status to answer with (429 throttled,
    else 422)."""
    if isinstance(error, Throttled):
        form.form_errors.append(attempts.confirm_message(error))
        return 429
    apply_error(form, error)
    return 422


def change_password_view(form, user) -> bool:
    """Handle a posted ChangePasswordForm; True when the password was changed."""
    if not form.validate_on_submit():
        return False
    with unit_of_work(hold=True) as done:
        accounts.check_new_password(form.password.data, email=user.email)
        attempts.confirm_password(user, form.current_password.data, field="current_password",
                                  message="The current password is not correct.")
        password_hash = accounts.new_password_hash(form.password.data, email=user.email)
        accounts.set_password(user, password_hash, now=utcnow())
    if not done:
        _show(form, done.error)
        return False
    start_session(user)  # other sessions ended with the version bump; keep this one
    flash("Your password has been changed. Other devices have been signed out.", "success")
    return True


def two_factor_setup_secret(user) -> str:
    """The key of the user's two-factor setup (kept server-side, never in the cookie)."""
    secret = accounts.totp_setup_secret(user, now=utcnow())
    if secret is None:
        with unit_of_work():
            begin_write_after_reads()  # a GET shows the setup: its reads need no lock
            secret = accounts.start_totp_setup(user, now=utcnow())
    return secret


def enable_two_factor_view(form, user, actor: audit.Actor) -> bool:
    """Handle a posted setup form; True when two-factor was turned on."""
    if not form.validate_on_submit():
        return False
    with unit_of_work(form) as done:
        accounts.enable_totp(user, form.code.data, actor, now=utcnow())
    return done.ok


def disable_two_factor_view(form, user, actor: audit.Actor) -> int | None:
    """Handle a posted TwoFactorDisableForm: None when two-factor was turned off (and
    audited), else the status to show the form again with (422 wrong or missing answer,
    naming its field; 429 throttled)."""
    if not form.validate_on_submit():
        return 422
    password, code = form.password.data or "", (form.code.data or "").strip()
    if not password and not code:
        form.password.errors.append(NEED_PASSWORD_OR_CODE)
        return 422
    with unit_of_work(hold=True) as done:
        if password:
            attempts.confirm_password(user, password)
            confirmed_with = "password"
        elif attempts.check_code(user, code):
            confirmed_with = "code"
        else:
            db.session.commit()  # keep the failure for throttling
            raise ValidationError("That code is not valid.", field="code")
        accounts.disable_totp(user, actor, now=utcnow(), confirmed_with=confirmed_with)
    return None if done else _show(form, done.error)
