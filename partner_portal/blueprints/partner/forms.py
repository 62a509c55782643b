from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from ...services.link_builder import SUB_MAX
from ...services.sharing import MESSAGE_MAX


class AcceptTermsForm(FlaskForm):
    accept = BooleanField("I have read and accept the new version")


class LinkForm(FlaskForm):
    offer_id = SelectField("Offer", coerce=str, validators=[DataRequired("Choose an offer.")])
    url = StringField("Deep link (optional)", validators=[Optional(), Length(max=2000)],
                      description="A page on the offer's site to send visitors to instead of "
                                  "its landing page.")
    sub1 = StringField("Sub-ID 1", validators=[Optional(), Length(max=SUB_MAX)],
                       description="Your own labels, e.g. the page or campaign; they show in "
                                   "your reports.")
    sub2 = StringField("Sub-ID 2", validators=[Optional(), Length(max=SUB_MAX)])
    sub3 = StringField("Sub-ID 3", validators=[Optional(), Length(max=SUB_MAX)])
    sub4 = StringField("Sub-ID 4", validators=[Optional(), Length(max=SUB_MAX)])
    sub5 = StringField("Sub-ID 5", validators=[Optional(), Length(max=SUB_MAX)])
    next = HiddenField()


class ShareForm(FlaskForm):
    """Read with GET: nothing is stored, the page just shows the share links again."""

    class Meta:
        csrf = False

    what = SelectField("What to share", coerce=str)
    message = TextAreaField("Your message", validators=[Optional(), Length(max=MESSAGE_MAX)],
                            description="Shared with your link. Edit it to sound like you.")


class ProfileForm(FlaskForm):
    display_name = StringField("Display name", validators=[Optional(), Length(max=80)],
                               description="How you appear on the leaderboard.")
    leaderboard_opt_out = BooleanField("Keep me off the leaderboard")


class EmailChangeForm(FlaskForm):
    new_email = EmailField("New email address", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Your password", validators=[DataRequired(), Length(max=256)],
                             description="To confirm it is you.")


class TwoFactorSetupForm(FlaskForm):
    code = StringField("Code from your authenticator app",
                       validators=[DataRequired(), Length(min=6, max=8)])
