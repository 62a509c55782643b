from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length


class TwoFactorSetupForm(FlaskForm):
    code = StringField("Code from your authenticator app", validators=[DataRequired(), Length(min=6, max=8)])


class SecuritySettingsForm(FlaskForm):
    staff_2fa_required = BooleanField("Require two-factor authentication for all staff")
