"""The fraud queue: cases with their evidence, resolution, and the rule settings."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from ...extensions import db
from ...models import FraudCase
from ...models.base import utcnow
from ...services.fraud import screening
from ...services.fraud.rules import REGISTRY
from ..csvutil import batched, csv_response
from ..units import unit_of_work
from . import bp
from .views import actor

PAGE_SIZE = 50


class ResolveForm(FlaskForm):
    note = TextAreaField("Note (required to reject)", validators=[Optional(), Length(max=2000)])


class RuleForm(FlaskForm):
    enabled = BooleanField("On")
    # Parsed by the money grammar in the use case (a DecimalField takes "1_000" and "1e3").
    threshold = StringField("Threshold", validators=[Optional()])
    action = SelectField("Action", choices=[SelectChoice("flag", "Flag for review"),
                                            SelectChoice("hold", "Hold the commission"),
                                            SelectChoice("reject", "Reject the commission")])


def _cases_query(status: str, rule: str):
    query = select(FraudCase).order_by(FraudCase.created_at.desc(), FraudCase.id.desc())
    if status:
        query = query.where(FraudCase.status == status)
    if rule:
        query = query.where(FraudCase.rule == rule)
    return query


@bp.route("/fraud")
def fraud_queue():
    status = request.args.get("status", "open")
    rule = request.args.get("rule", "")
    page = max(request.args.get("page", 1, type=int), 1)
    query = _cases_query(status if status != "all" else "", rule)
    if request.args.get("format") == "csv":
        rows = ([c.id, c.created_at.isoformat(), c.partner.name, c.conversion.order_id, c.rule,
                 c.action, c.status, c.summary] for c in batched(query))
        return csv_response("fraud-cases.csv", ["case", "opened_utc", "partner", "order_id",
                                                "rule", "action", "status", "summary"], rows)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    cases = db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template("admin/fraud_queue.html", cases=cases, status=status, rule=rule,
                           rules=REGISTRY, page=page, pages=max(1, -(-total // PAGE_SIZE)),
                           total=total)


@bp.route("/fraud/<int:case_id>", methods=["GET", "POST"])
def fraud_case(case_id: int):
    case = db.session.get(FraudCase, case_id) or abort(404)
    form = ResolveForm()
    if form.validate_on_submit():  # POST needs MANAGE (the guard's default)
        decision = request.form.get("decision", "")
        with unit_of_work(form) as done:
            screening.resolve(case.id, decision, note=form.note.data, actor=actor(), now=utcnow())
        if done:
            flash("Released: the commission goes back to pending." if decision == "release"
                  else "Rejected: the commission will not be paid.", "success")
            return redirect(url_for("admin.fraud_queue"))
    related = db.session.scalars(select(FraudCase).where(
        FraudCase.conversion_id == case.conversion_id).order_by(FraudCase.id)).all()
    return render_template("admin/fraud_case.html", case=case, related=related, form=form,
                           rule=REGISTRY.get(case.rule))


@bp.route("/fraud/rules", methods=["GET", "POST"])
def fraud_rules():
    current = screening.settings()
    forms = {}
    for code, setting in current.items():
        form = RuleForm(prefix=code, data={"enabled": setting.enabled, "threshold": setting.threshold,
                                           "action": setting.action})
        forms[code] = form
    if request.method == "POST":
        code = request.form.get("code", "")
        form = forms.get(code) or abort(404)
        if form.validate():
            with unit_of_work(form) as done:
                screening.update_setting(code, enabled=form.enabled.data, threshold=form.threshold.data,
                                         action=form.action.data, actor=actor(), now=utcnow())
            if done:
                flash(f"Saved “{REGISTRY[code].title}”.", "success")
                return redirect(url_for("admin.fraud_rules"))
    return render_template("admin/fraud_rules.html", rules=REGISTRY, forms=forms)


