"""Webhook endpoints, their secrets and their delivery log."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, StringField, URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ...extensions import db
from ...models import WebhookDelivery, WebhookEndpoint
from ...models.base import utcnow
from ...models.webhooks import WEBHOOK_EVENTS
from ...services import webhooks
from ..auth.forms import MultiCheckboxField
from ..forms import ConfirmForm
from ..units import unit_of_work
from . import bp
from .views import actor


class EndpointForm(FlaskForm):
    url = URLField("Endpoint URL", validators=[DataRequired(), Length(max=2000)],
                   description="We POST JSON here, signed with the endpoint's secret. It must "
                               "be a public address: local and private networks are refused, "
                               "and redirects are not followed.")
    description = StringField("Description", validators=[Length(max=200)])
    events = MultiCheckboxField("Events", choices=[SelectChoice(e, e) for e in WEBHOOK_EVENTS])
    is_active = BooleanField("Active", default=True)


@bp.route("/webhooks", methods=["GET", "POST"])
def webhooks_index():
    form = EndpointForm()
    created = None
    if form.validate_on_submit():
        with unit_of_work(form) as done:
            created = webhooks.create_endpoint(form.url.data, form.events.data or [],
                                               form.description.data, actor=actor(), now=utcnow())
        if done:
            flash("Endpoint added. Its signing secret is on its page.", "success")
            return redirect(url_for("admin.webhook_detail", endpoint_id=created.id))
    endpoints = db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()
    return render_template("admin/webhooks.html", form=form, endpoints=endpoints,
                           events=WEBHOOK_EVENTS)


@bp.route("/webhooks/<int:endpoint_id>", methods=["GET", "POST"])
def webhook_detail(endpoint_id: int):
    endpoint = db.session.get(WebhookEndpoint, endpoint_id) or abort(404)
    form = EndpointForm(obj=endpoint, data={"events": endpoint.event_list})
    if form.validate_on_submit():
        with unit_of_work(form) as done:
            webhooks.update_endpoint(endpoint.id, url=form.url.data, events=form.events.data or [],
                                     description=form.description.data,
                                     is_active=form.is_active.data, actor=actor(), now=utcnow())
        if done:
            flash("Endpoint saved.", "success")
            return redirect(url_for("admin.webhook_detail", endpoint_id=endpoint.id))
    deliveries = db.session.scalars(select(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint.id).order_by(WebhookDelivery.id.desc()).limit(50)).all()
    return render_template("admin/webhook_detail.html", endpoint=endpoint, form=form,
                           deliveries=deliveries, confirm=ConfirmForm())


@bp.route("/webhooks/<int:endpoint_id>/secrets/rotate", methods=["POST"])
def webhook_rotate(endpoint_id: int):
    db.session.get(WebhookEndpoint, endpoint_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        with unit_of_work():
            webhooks.rotate_secret(endpoint_id, actor=actor(), now=utcnow())
        flash("New secret added. Deliveries are signed with every secret shown until you "
              "retire the old ones.", "success")
    return redirect(url_for("admin.webhook_detail", endpoint_id=endpoint_id))


@bp.route("/webhooks/<int:endpoint_id>/secrets/retire", methods=["POST"])
def webhook_retire(endpoint_id: int):
    db.session.get(WebhookEndpoint, endpoint_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        with unit_of_work():
            webhooks.retire_old_secrets(endpoint_id, actor=actor(), now=utcnow())
        flash("Old secrets retired: only the newest signs deliveries now.", "success")
    return redirect(url_for("admin.webhook_detail", endpoint_id=endpoint_id))


@bp.route("/webhooks/deliveries/<int:delivery_id>/redeliver", methods=["POST"])
def webhook_redeliver(delivery_id: int):
    delivery = db.session.get(WebhookDelivery, delivery_id) or abort(404)
    endpoint_id = delivery.endpoint_id
    if ConfirmForm().validate_on_submit():
        with unit_of_work(flash_error=True) as done:
            webhooks.redeliver(delivery.id, actor=actor(), now=utcnow())
        if done:
            flash("Queued for delivery again; the scheduler sends it within seconds.", "success")
    return redirect(url_for("admin.webhook_detail", endpoint_id=endpoint_id))
