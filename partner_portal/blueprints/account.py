"""Account pages shared by staff and partners: password change and two-factor QR."""

from __future__ import annotations

import segno
from flask import flash

from ..extensions import db
from ..models.base import utcnow
from ..services import accounts
from ..services.errors import DomainError
from .auth.session import start_session
from .forms import apply_error


def two_factor_qr(uri: str) -> str:
    """An SVG data URI of the provisioning QR code (rendered locally, nothing leaves)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def change_password_view(form, user) -> bool:
    """Handle a posted ChangePasswordForm; True when the password was changed."""
    if not form.validate_on_submit():
        return False
    try:
        accounts.change_password(user, form.current_password.data, form.password.data, now=utcnow())
    except DomainError as exc:
        apply_error(form, exc)
        return False
    db.session.commit()
    start_session(user)  # other sessions ended with the version bump; keep this one
    flash("Your password has been changed. Other devices have been signed out.", "success")
    return True
