"""The commission structure editor: an offer's rules, group and partner overrides."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ...extensions import db
from ...models import PartnerGroup
from ...models.base import utcnow
from ...services import commission_plans
from ...services.commission_rules import REGISTRY, get_kind
from ...services.errors import NotFound
from ..forms import ConfirmForm
from ..units import unit_of_work
from . import bp
from .offer_forms import RuleForm, options
from .offers import get_offer
from .views import actor


def _form(**kwargs) -> RuleForm:
    form = RuleForm(**kwargs)
    groups = db.session.scalars(select(PartnerGroup).order_by(PartnerGroup.name))
    form.group_id.choices = options([(0, "Choose a group…")] + [(g.id, g.name) for g in groups])
    return form


def _input(form: RuleForm) -> commission_plans.RuleInput:
    return commission_plans.RuleInput(
        name=form.name.data, kind=form.kind.data, event=form.event.data, scope=form.scope.data,
        group_id=form.group_id.data or None, partner=form.partner.data,
        is_active=form.is_active.data, settings=form.settings())


def _get_rule(offer, rule_id):
    try:
        return commission_plans.get_rule(offer, rule_id)
    except NotFound:
        abort(404)


@bp.route("/offers/<int:offer_id>/rules")
def offer_rules(offer_id: int):
    offer = get_offer(offer_id)
    return render_template("admin/offers/rules.html", offer=offer,
                           sections=commission_plans.sections(offer),
                           describe=commission_plans.describe, kinds=REGISTRY,
                           confirm=ConfirmForm())


def _edit(offer, rule):
    if request.method == "GET" and rule is not None:
        data = {"name": rule.name, "kind": rule.kind, "event": rule.event, "scope": rule.scope,
                "group_id": rule.group_id or 0, "is_active": rule.is_active,
                "partner": rule.partner.email if rule.partner else ""}
        data.update(get_kind(rule.kind).form_values(rule.params))
        form = _form(data=data)
    elif request.method == "GET":
        form = _form(data={"scope": request.args.get("scope", "offer"),
                           "group_id": request.args.get("group_id", 0, type=int),
                           "partner": request.args.get("partner", ""),
                           "kind": request.args.get("kind", "percent")})
    else:
        form = _form()
    if form.validate_on_submit():
        with unit_of_work(form) as done:
            if rule is None:
                commission_plans.add_rule(offer, _input(form), actor=actor(), now=utcnow())
            else:
                commission_plans.update_rule(rule, _input(form), actor=actor(), now=utcnow())
        if done:
            flash("Rule saved. It applies to conversions from now on.", "success")
            return redirect(url_for("admin.offer_rules", offer_id=offer.id))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/offers/rule_edit.html", offer=offer, rule=rule, form=form,
                           kinds=REGISTRY), status


@bp.route("/offers/<int:offer_id>/rules/new", methods=["GET", "POST"])
def offer_rule_new(offer_id: int):
    return _edit(get_offer(offer_id), None)


@bp.route("/offers/<int:offer_id>/rules/<int:rule_id>/edit", methods=["GET", "POST"])
def offer_rule_edit(offer_id: int, rule_id: int):
    offer = get_offer(offer_id)
    return _edit(offer, _get_rule(offer, rule_id))


@bp.route("/offers/<int:offer_id>/rules/<int:rule_id>/move", methods=["POST"])
def offer_rule_move(offer_id: int, rule_id: int):
    offer = get_offer(offer_id)
    rule = _get_rule(offer, rule_id)
    if ConfirmForm().validate_on_submit():
        with unit_of_work(flash_error=True):
            commission_plans.move_rule(rule, request.form.get("direction", ""), actor=actor(),
                                       now=utcnow())
    return redirect(url_for("admin.offer_rules", offer_id=offer.id) + f"#rule-{rule_id}")


@bp.route("/offers/<int:offer_id>/rules/<int:rule_id>/delete", methods=["POST"])
def offer_rule_delete(offer_id: int, rule_id: int):
    offer = get_offer(offer_id)
    rule = _get_rule(offer, rule_id)
    if ConfirmForm().validate_on_submit():
        with unit_of_work():
            name = rule.name
            commission_plans.delete_rule(rule, actor=actor(), now=utcnow())
        flash(f"Rule \u201c{name}\u201d deleted. Commissions it computed keep their explanation.",
              "success")
    return redirect(url_for("admin.offer_rules", offer_id=offer.id))
