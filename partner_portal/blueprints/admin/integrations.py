"""API keys for the program's own systems (shop, CRM, accounting)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ...models.base import utcnow
from ...services import api_keys
from ...services.permissions import MANAGE
from ..forms import ConfirmForm
from ..units import unit_of_work
from . import bp, requires
from .vetting_forms import MultiCheckboxField
from .views import actor


class ApiKeyForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)],
                       description="Which system will use it, e.g. “Shop checkout”.")
    scopes = MultiCheckboxField(
        "What it may do", choices=[SelectChoice(k, f"{label} ({k})") for k, label in api_keys.SCOPES.items()],
        description="Choose nothing for a key that may do everything. A shop's checkout "
                    "needs only “Report conversions and refunds”.")


@bp.route("/api-keys", methods=["GET", "POST"])
def api_keys_page():  # reading needs VIEW, creating needs MANAGE (the guard's default)
    form = ApiKeyForm()
    new_key = None
    if form.validate_on_submit():
        with unit_of_work(form) as done:
            key, new_key = api_keys.create(form.name.data, actor=actor(), now=utcnow(),
                                           scopes=form.scopes.data)
        if done:
            form = ApiKeyForm(formdata=None)
    # The new key is rendered in this response only: never stored, never put in a cookie.
    return render_template("admin/api_keys.html", form=form, keys=api_keys.list_keys(),
                           new_key=new_key, revoke_form=ConfirmForm())



@bp.route("/api-keys/<int:key_id>/revoke", methods=["POST"])
@requires(MANAGE)
def api_key_revoke(key_id: int):
    form = ConfirmForm()
    if form.validate_on_submit():
        with unit_of_work(flash_error=True) as done:
            key = api_keys.revoke(key_id, actor=actor(), now=utcnow())
        if done:
            flash(f"API key “{key.name}” revoked. Requests using it are refused from now on.",
                  "success")
    return redirect(url_for("admin.api_keys_page"))
