from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField


class AcceptTermsForm(FlaskForm):
    accept = BooleanField("I have read and accept the new version")
