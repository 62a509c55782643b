from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Optional


class TwoFactorSetupForm(FlaskForm):
    code = StringField("Code from your authenticator app", validators=[DataRequired(), Length(min=6, max=8)])


class SecuritySettingsForm(FlaskForm):
    staff_2fa_required = BooleanField("Require two-factor authentication for all staff")


class GenerateStatementsForm(FlaskForm):
    """Admin → Statements: the month to make (checked by ``parse_month``) and whether to
    email each statement."""

    month = StringField("Month to make", validators=[Optional()])
    email = BooleanField("Email each partner their statement (once, never twice)")
