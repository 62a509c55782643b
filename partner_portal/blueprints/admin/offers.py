"""Offers: the list, the editor, pausing, and the caps editor."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from ...extensions import db
from ...models import Cap, CommissionRule, Offer, PartnerGroup
from ...models.base import utcnow
from ...services import cap_admin
from ...services import caps as cap_service
from ...services import offers as offer_service
from ...services.commission_rules.base import fmt_number
from ...services.errors import NotFound
from ...services.program import program_zone
from ..forms import ConfirmForm
from ..units import unit_of_work
from . import bp
from .offer_forms import CapForm, offer_form, options
from .views import actor


@bp.app_template_filter("plain_number")
def plain_number(value) -> str:
    """10.0000 → "10", 12.5000 → "12.5": rates as people write them."""
    return fmt_number(value)


@bp.app_template_filter("cap_text")
def cap_text(cap: Cap, currency: str) -> str:
    """"Monthly conversion cap of 10 per partner" (used by admin and partner pages)."""
    return cap_service.describe(cap, currency)


def get_offer(offer_id: int) -> Offer:
    offer = offer_service.get_offer(offer_id)
    if offer is None:
        abort(404)
    return offer


def _groups() -> list[PartnerGroup]:
    return list(db.session.scalars(select(PartnerGroup).order_by(PartnerGroup.name)))


@bp.route("/offers")
def offers():
    rows = list(db.session.scalars(select(Offer).order_by(Offer.status, Offer.name)))
    rule_counts = dict(db.session.execute(select(CommissionRule.offer_id, func.count())
                                          .group_by(CommissionRule.offer_id)).all())
    cap_counts = dict(db.session.execute(select(Cap.offer_id, func.count())
                                         .group_by(Cap.offer_id)).all())
    return render_template("admin/offers/list.html", offers=rows, rule_counts=rule_counts,
                           cap_counts=cap_counts, confirm=ConfirmForm())


def _input(form, groups) -> offer_service.OfferInput:
    return offer_service.OfferInput(
        name=form.name.data, description=form.description.data or "",
        destination_url=form.destination_url.data, allowed_domains=form.allowed_domains.data,
        currency=form.currency.data, cookie_window_days=form.cookie_window_days.data,
        attribution_model=form.attribution_model.data, hold_days=form.hold_days.data,
        fallback_url=form.fallback_url.data, status=form.status.data,
        default_commission_kind=form.default_commission_kind.data,
        default_commission_value=form.default_commission_value.data,
        group_ids=form.group_ids.data or [],
        windows={g.id: getattr(form, f"window_{g.id}").data for g in groups})


def _prefill(offer: Offer, groups) -> dict:
    data = {name: getattr(offer, name) for name in offer_service.FIELDS}
    data["default_commission_value"] = fmt_number(offer.default_commission_value)
    data["group_ids"] = [g.id for g in offer.groups]
    windows = {w.group_id: w.cookie_window_days for w in offer.window_overrides}
    for group in groups:
        data[f"window_{group.id}"] = windows.get(group.id, "")
    return data


def _save(form, groups, offer: Offer | None):
    with unit_of_work(form) as done:
        if offer is None:
            offer = offer_service.create_offer(_input(form, groups), actor=actor(), now=utcnow())
        else:
            offer_service.update_offer(offer, _input(form, groups), actor=actor(), now=utcnow())
    return offer if done else None


@bp.route("/offers/new", methods=["GET", "POST"])
def offer_new():
    groups = _groups()
    if request.method == "GET":
        form = offer_form(groups, data={"cookie_window_days": "30", "hold_days": "30",
                                        "default_commission_value": "10"})
    else:
        form = offer_form(groups)
    if form.validate_on_submit():
        offer = _save(form, groups, None)
        if offer is not None:
            flash(f"Offer \u201c{offer.name}\u201d created. Now set up its commission structure.",
                  "success")
            return redirect(url_for("admin.offer_rules", offer_id=offer.id))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/offers/edit.html", form=form, offer=None), status


@bp.route("/offers/<int:offer_id>/edit", methods=["GET", "POST"])
def offer_edit(offer_id: int):
    offer = get_offer(offer_id)
    groups = _groups()
    form = offer_form(groups, data=_prefill(offer, groups)) if request.method == "GET" else offer_form(groups)
    if form.validate_on_submit():
        if _save(form, groups, offer) is not None:
            flash("Offer saved.", "success")
            return redirect(url_for("admin.offer_edit", offer_id=offer.id))
        offer = get_offer(offer_id)
    status = 422 if request.method == "POST" else 200
    return render_template("admin/offers/edit.html", form=form, offer=offer), status


@bp.route("/offers/<int:offer_id>/status", methods=["POST"])
def offer_status(offer_id: int):
    offer = get_offer(offer_id)
    if ConfirmForm().validate_on_submit():
        status = request.form.get("status", "")
        with unit_of_work(flash_error=True) as done:
            offer_service.set_status(offer, status, actor=actor(), now=utcnow())
        if done:
            flash(f"\u201c{offer.name}\u201d is {'paused' if status == 'paused' else 'active'}.",
                  "success")
    if request.form.get("back") == "edit":
        return redirect(url_for("admin.offer_edit", offer_id=offer.id))
    return redirect(url_for("admin.offers"))


# --- caps -------------------------------------------------------------------------------

def _cap_form(offer: Offer, groups, **kwargs) -> CapForm:
    form = CapForm(**kwargs)
    form.group_id.choices = options([(0, "Choose a group…")] + [(g.id, g.name) for g in groups])
    return form


def _cap_input(form) -> cap_admin.CapInput:
    return cap_admin.CapInput(
        metric=form.metric.data, period=form.period.data, limit=form.limit.data,
        scope=form.scope.data, group_id=form.group_id.data or None, partner=form.partner.data,
        caps_conversions=form.caps_conversions.data, redirects_clicks=form.redirects_clicks.data,
        is_active=form.is_active.data)


@bp.route("/offers/<int:offer_id>/caps", methods=["GET", "POST"])
def offer_caps(offer_id: int):
    offer = get_offer(offer_id)
    groups = _groups()
    form = _cap_form(offer, groups)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            with unit_of_work(form) as done:
                cap_admin.create_cap(offer, _cap_input(form), actor=actor(), now=utcnow())
            if done:
                flash("Cap added. It counts from the next conversion or click.", "success")
                return redirect(url_for("admin.offer_caps", offer_id=offer.id))
        status = 422
    now = utcnow()
    zone = program_zone()
    caps = [(cap, cap_admin.usage(cap, now), cap_admin.period_label(cap.period, now, zone))
            for cap in cap_admin.caps_of(offer.id)]
    return render_template("admin/offers/caps.html", offer=offer, caps=caps, form=form,
                           confirm=ConfirmForm()), status


@bp.route("/offers/<int:offer_id>/caps/<int:cap_id>/edit", methods=["GET", "POST"])
def offer_cap_edit(offer_id: int, cap_id: int):
    offer = get_offer(offer_id)
    try:
        cap = cap_admin.get_cap(offer, cap_id)
    except NotFound:
        abort(404)
    groups = _groups()
    if request.method == "GET":
        form = _cap_form(offer, groups, data={
            "metric": cap.metric, "period": cap.period, "scope": cap.scope,
            "limit": fmt_number(cap.limit_value), "group_id": cap.group_id or 0,
            "partner": cap.partner.email if cap.partner else "",
            "caps_conversions": cap.caps_conversions, "redirects_clicks": cap.redirects_clicks,
            "is_active": cap.is_active})
    else:
        form = _cap_form(offer, groups)
    if form.validate_on_submit():
        with unit_of_work(form) as done:
            cap_admin.update_cap(cap, _cap_input(form), actor=actor(), now=utcnow())
        if done:
            flash("Cap saved. The change applies from the next conversion or click.", "success")
            return redirect(url_for("admin.offer_caps", offer_id=offer.id))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/offers/cap_edit.html", offer=offer, cap=cap, form=form), status


@bp.route("/offers/<int:offer_id>/caps/<int:cap_id>/delete", methods=["POST"])
def offer_cap_delete(offer_id: int, cap_id: int):
    offer = get_offer(offer_id)
    try:
        cap = cap_admin.get_cap(offer, cap_id)
    except NotFound:
        abort(404)
    if ConfirmForm().validate_on_submit():
        with unit_of_work():
            cap_admin.delete_cap(cap, actor=actor(), now=utcnow())
        flash("Cap removed.", "success")
    return redirect(url_for("admin.offer_caps", offer_id=offer.id))


@bp.route("/caps")
def caps_overview():
    now = utcnow()
    caps = [(cap, cap_admin.usage(cap, now)) for cap in cap_admin.caps_of()]
    return render_template("admin/caps.html", caps=caps)
