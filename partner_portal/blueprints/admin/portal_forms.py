"""Forms for what managers publish to partners: creatives, announcements, portal settings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class CreativeForm(FlaskForm):
    offer_id = SelectField("Offer", coerce=str, validate_choice=False,
                           validators=[DataRequired("Choose an offer.")])
    name = StringField("Name", validators=[DataRequired(), Length(max=120)],
                       description="Partners see it, e.g. “Spring sale – leaderboard”.")
    file = FileField("Image file", description="PNG, JPEG, GIF or WebP. The content is checked; "
                                               "SVG is not accepted.")
    alt_text = StringField("Alternative text", validators=[Optional(), Length(max=200)],
                           description="What the banner says, for people who cannot see it.")
    subject = StringField("Subject", validators=[Optional(), Length(max=200)])
    body = TextAreaField("Text", validators=[Optional(), Length(max=5000)],
                         description="Write {link} where the partner's tracking link goes "
                                     "(otherwise it is added at the end).")


class AnnouncementForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    body = TextAreaField("Announcement", validators=[DataRequired(), Length(max=10_000)],
                         description="Plain text; blank lines start new paragraphs.")
    pinned = BooleanField("Pin to the top of partners' dashboards")
    email = BooleanField("Also email partners who receive announcements")


class PortalSettingsForm(FlaskForm):
    leaderboard_enabled = BooleanField(
        "Show partners a monthly leaderboard (by display name; each partner may opt out)")
