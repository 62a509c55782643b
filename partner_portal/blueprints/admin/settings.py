"""Program configuration for vetting: groups, terms and guidelines, screening rules."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from ...models.base import utcnow
from ...services import autorules, groups, terms
from ...services.errors import NotFound
from ...services.program import current_terms, get_program
from ..forms import ConfirmForm
from ..units import unit_of_work
from . import bp
from .vetting_forms import GroupForm, RuleForm, ScreeningForm, TermsForm
from .views import actor

# --- groups -----------------------------------------------------------------------------


@bp.route("/groups", methods=["GET", "POST"])
def groups_index():
    form = GroupForm()
    status = 200
    if form.validate_on_submit():
        with unit_of_work(form) as done:
            group = groups.create(form.name.data, form.description.data, actor(), now=utcnow(),
                                  is_default=form.is_default.data)
        if done:
            flash(f"Group “{group.name}” created.", "success")
            return redirect(url_for("admin.groups_index"))
    if form.is_submitted():
        status = 422
    return render_template("admin/groups.html", groups=groups.list_groups(), form=form), status


@bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
def group_edit(group_id: int):
    try:
        group = groups.get(group_id)
    except NotFound:
        abort(404)
    form = GroupForm(obj=group)
    if form.validate_on_submit():
        with unit_of_work(form) as done:
            group = groups.update(group_id, form.name.data, form.description.data, actor(),
                                  now=utcnow(), is_default=form.is_default.data)
        if done:
            flash(f"Group “{group.name}” saved.", "success")
            return redirect(url_for("admin.groups_index"))
        else:
            group = groups.get(group_id)
    return render_template("admin/group_edit.html", group=group, form=form), \
        422 if form.is_submitted() else 200


# --- terms and guidelines ---------------------------------------------------------------


@bp.route("/terms")
def terms_index():
    return render_template("admin/terms.html", kinds=terms.KINDS,
                           history={k: terms.history(k) for k in terms.KINDS})


@bp.route("/terms/<kind>/publish", methods=["GET", "POST"])
def terms_publish(kind: str):
    if kind not in terms.KINDS:
        abort(404)
    current = current_terms(kind)
    form = TermsForm(obj=current) if current else TermsForm(title=terms.KINDS[kind])
    if form.validate_on_submit():
        with unit_of_work(form) as done:
            version = terms.publish(kind, form.title.data, form.body.data, actor(), now=utcnow())
        if done:
            flash(f"{terms.KINDS[kind]} version {version.version} published. Partners accept it "
                  "on their next visit.", "success")
            return redirect(url_for("admin.terms_index"))
    return render_template("admin/terms_publish.html", kind=kind, label=terms.KINDS[kind],
                           current=current, form=form), 422 if form.is_submitted() else 200


# --- screening: denied countries and automatic rules -------------------------------------


def _render_screening(screening_form=None, rule_form=None, status=200):
    program = get_program()
    screening_form = screening_form or ScreeningForm(
        denied_countries=" ".join(program.denied_country_list))
    return render_template("admin/screening.html", screening_form=screening_form,
                           rule_form=rule_form or RuleForm(), rules=autorules.list_rules(),
                           describe=autorules.describe, kinds=autorules.KINDS,
                           toggle_form=ConfirmForm()), status


@bp.route("/screening")
def screening():
    return _render_screening()


@bp.route("/screening/countries", methods=["POST"])
def screening_countries():
    form = ScreeningForm()
    if form.validate_on_submit():
        with unit_of_work(form) as done:
            autorules.set_denied_countries(form.denied_countries.data, actor(), now=utcnow())
        if done:
            flash("Denied countries saved.", "success")
            return redirect(url_for("admin.screening"))
    return _render_screening(screening_form=form, status=422)


@bp.route("/screening/rules", methods=["POST"])
def screening_rule_create():
    form = RuleForm()
    if form.validate_on_submit():
        raw = {"max_score": form.max_score.data, "min_score": form.min_score.data,
               "domains": form.domains.data, "signals": form.signals.data,
               "banned_only": form.banned_only.data}
        with unit_of_work(form) as done:
            rule = autorules.create_rule(form.name.data, form.kind.data, raw, actor(), now=utcnow(),
                                         group_id=form.group_id.data, message=form.message.data)
        if done:
            flash(f"Rule “{rule.name}” added. It applies to new applications.", "success")
            return redirect(url_for("admin.screening"))
    return _render_screening(rule_form=form, status=422)


@bp.route("/screening/rules/<int:rule_id>/<op>", methods=["POST"])
def screening_rule_change(rule_id: int, op: str):
    if op not in ("enable", "disable", "delete"):
        abort(404)
    with unit_of_work():
        try:
            if op == "delete":
                autorules.delete_rule(rule_id, actor(), now=utcnow())
            else:
                autorules.set_enabled(rule_id, op == "enable", actor(), now=utcnow())
        except NotFound:
            abort(404)
    flash({"enable": "Rule turned on.", "disable": "Rule turned off.",
           "delete": "Rule deleted."}[op], "success")
    return redirect(url_for("admin.screening"))
