from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ...services.applications import PROMOTION_METHODS, country_choices


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    next = HiddenField()


class TwoFactorForm(FlaskForm):
    code = StringField("Six-digit code", validators=[DataRequired(), Length(min=6, max=8)])


class TwoFactorDisableForm(FlaskForm):
    """Turning two-factor off: the password, or a code from the authenticator app."""

    password = PasswordField("Your password", validators=[Optional(), Length(max=256)])
    code = StringField("Or a code from your authenticator app",
                       validators=[Optional(), Length(max=8)])


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(max=256)])
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )


class ApplyForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)],
                             description="At least 10 characters.")
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )
    company = StringField("Company (optional)", validators=[Optional(), Length(max=120)])
    website = URLField("Website (optional)", validators=[Optional(), Length(max=500)],
                       description="Where you will promote us, e.g. https://myblog.example")
    social_profile = URLField("Social profile (optional)", validators=[Optional(), Length(max=500)])
    promotion_methods = MultiCheckboxField(
        "How will you promote us?",
        choices=[SelectChoice(value, label) for value, label in PROMOTION_METHODS.items()],
        validators=[DataRequired("Choose at least one way you will promote us.")],
    )
    country = SelectField("Country", validators=[DataRequired()])
    payout_email = EmailField("PayPal / payout email (optional)",
                              validators=[Optional(), Length(max=254)])
    accept_terms = BooleanField("I accept the program terms and partner guidelines",
                                validators=[DataRequired("You must accept the program terms to apply.")])
    ref = HiddenField()  # the recruiting partner's reference, from their recruitment link

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = [SelectChoice("", "Choose…")] + [
            SelectChoice(code, name) for code, name in country_choices()
        ]
