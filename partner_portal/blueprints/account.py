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

NEED_PASSWORD_OR_CODE = "Enter your password or a code from your authenticator app."


def two_factor_qr(uri: str) -> str:
    """An SVG data URI of the provisioning QR code (rendered locally, nothing leaves)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def change_password_view(form, user) -> bool:
    """Handle a posted ChangePasswordForm; True when the password was changed."""
    if not form.validate_on_submit():
        return False
    try:
        accounts.check_new_password(form.password.data, email=user.email)
        attempts.confirm_password(user, form.current_password.data, field="current_password",
                                  message="The current password is not correct.")
        password_hash = accounts.new_password_hash(form.password.data, email=user.email)
    except Throttled as exc:
        form.form_errors.append(attempts.confirm_message(exc))
        return False
    except DomainError as exc:
        apply_error(form, exc)
        return False
    begin_write_after_reads()
    accounts.set_password(user, password_hash, now=utcnow())
    db.session.commit()
    start_session(user)  # other sessions ended with the version bump; keep this one
    flash("Your password has been changed. Other devices have been signed out.", "success")
    return True


def two_factor_setup_secret(user) -> str:
    """The key of the user's two-factor setup (kept server-side, never in the cookie)."""
    secret = accounts.totp_setup_secret(user, now=utcnow())
    if secret is None:
        begin_write_after_reads()
        secret = accounts.start_totp_setup(user, now=utcnow())
        db.session.commit()
    return secret


def enable_two_factor_view(form, user, actor: audit.Actor) -> bool:
    """Handle a posted setup form; True when two-factor was turned on."""
    if not form.validate_on_submit():
        return False
    begin_write_after_reads()
    try:
        accounts.enable_totp(user, form.code.data, actor, now=utcnow())
    except DomainError as exc:
        db.session.rollback()
        apply_error(form, exc)
        return False
    db.session.commit()
    return True


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
    try:
        if password:
            attempts.confirm_password(user, password)
            begin_write_after_reads()
            confirmed_with = "password"
        elif attempts.check_code(user, code):
            confirmed_with = "code"
        else:
            db.session.commit()  # keep the failure for throttling
            raise ValidationError("That code is not valid.", field="code")
    except Throttled as exc:
        form.form_errors.append(attempts.confirm_message(exc))
        return 429
    except DomainError as exc:
        apply_error(form, exc)
        return 422
    accounts.disable_totp(user, actor, now=utcnow(), confirmed_with=confirmed_with)
    db.session.commit()
    return None
