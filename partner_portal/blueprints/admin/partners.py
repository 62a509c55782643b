"""The applications queue, the partner page, and decisions on partners."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ...extensions import db
from ...models import AuditEntry
from ...models.base import utcnow
from ...models.partners import PARTNER_STATUSES
from ...services import groups, partner_queue, risk, terms, vetting
from ...services.applications import PROMOTION_METHODS, country_choices
from ...services.errors import InvalidTransition, NotFound
from ...services.lifecycle import PARTNER
from ...services.offset_paging import page_number, paginate
from ..csvutil import batched, csv_response
from ..forms import apply_error
from ..units import unit_of_work
from . import bp
from .vetting_forms import BulkForm, DecisionForm, MoveGroupForm, NoteForm
from .views import actor


@bp.route("/partners")
def partners():
    filters = partner_queue.Filters.from_args(request.args)
    page = paginate(partner_queue.statement(filters), page_number(request.args.get("page")))
    return render_template("admin/partners/queue.html", page=page, f=filters,
                           statuses=PARTNER_STATUSES, sorts=partner_queue.SORTS,
                           groups=groups.list_groups(), countries=country_choices(),
                           bulk_form=BulkForm(), level_labels=risk.LEVEL_LABELS)


@bp.route("/partners.csv")
def partners_csv():
    filters = partner_queue.Filters.from_args(request.args)
    rows = batched(partner_queue.statement(filters))
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return csv_response(f"partners-{stamp}.csv", partner_queue.CSV_HEADER,
                        partner_queue.csv_rows(rows))


def _bulk_error(exc) -> str:
    label = {"reason": "Reason", "group_id": "Group", "partner_ids": "Partners",
             "action": "Action"}.get(exc.field or "", "")
    return f"{label}: {exc.message}" if label else exc.message


@bp.route("/partners/bulk", methods=["POST"])
def partners_bulk():
    form = BulkForm()
    back = request.form.get("back") or url_for("admin.partners")
    if not back.startswith("/admin/partners"):
        back = url_for("admin.partners")
    ids = [int(i) for i in request.form.getlist("partner_ids")
           if i.isascii() and i.isdigit() and len(i) <= 9]
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(back)
    with unit_of_work(flash_error=_bulk_error) as done:
        result = vetting.bulk(ids, form.action.data, actor(), now=utcnow(),
                              group_id=form.group_id.data, reason=form.reason.data,
                              message=form.message.data)
    if not done:
        return redirect(back)
    verb = {"approve": "Approved", "reject": "Rejected", "move": "Moved"}[form.action.data]
    if result.done:
        flash(f"{verb} {len(result.done)} partner{'s' if len(result.done) != 1 else ''}: "
              + ", ".join(p.name for p in result.done) + ".", "success")
    for who, why in result.failed:
        flash(f"{who} was left as it is: {why}", "error")
    return redirect(back)


def render_detail(partner, *, decision_form=None, open_action=None, note_form=None,
                  move_form=None, status=200):
    history = list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.subject_type == "partner",
                                 AuditEntry.subject_id == str(partner.id))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(50)))
    related_ids = {i for s in (partner.risk.signals if partner.risk else []) for i in s["partner_ids"]}
    related = {p.id: p for p in db.session.scalars(
        select(type(partner)).where(type(partner).id.in_(related_ids)))} if related_ids else {}
    move_form = move_form or MoveGroupForm(group_id=partner.group_id)
    return render_template(
        "admin/partners/detail.html", partner=partner, history=history, related=related,
        notes=vetting.notes_for(partner), acceptances=terms.acceptances(partner),
        pending_terms=terms.pending_for(partner), actions=PARTNER.allowed_actions(partner.status),
        decision_forms={a: decision_form if a == open_action and decision_form else
                        DecisionForm(prefix=a, formdata=None) for a in PARTNER.allowed_actions(partner.status)},
        open_action=open_action,
        note_form=note_form or NoteForm(), move_form=move_form,
        promotion_labels=PROMOTION_METHODS, level_labels=risk.LEVEL_LABELS,
        countries=dict(country_choices())), status


def _partner_or_404(partner_id: int, *, for_update: bool = False):
    try:
        return vetting.get_partner(partner_id, for_update=for_update)
    except NotFound:
        abort(404)


@bp.route("/partners/<int:partner_id>")
def partner_detail(partner_id: int):
    return render_detail(_partner_or_404(partner_id))


@bp.route("/partners/<int:partner_id>/decision/<action>", methods=["POST"])
def partner_decision(partner_id: int, action: str):
    if action not in vetting.ACTIONS:
        abort(404)
    form = DecisionForm(prefix=action)
    partner = _partner_or_404(partner_id, for_update=True)
    if form.validate_on_submit():
        with unit_of_work(hold=True) as done:
            vetting.decide(partner, action, actor(), now=utcnow(), reason=form.reason.data,
                           message=form.message.data, group_id=form.group_id.data)
        if done:
            flash(f"{partner.name} is now {partner.status}. They have been emailed.", "success")
            return redirect(url_for("admin.partner_detail", partner_id=partner.id))
        if isinstance(done.error, InvalidTransition):
            flash(f"Refused: {done.error.message} Nothing was changed.", "error")
            return render_detail(_partner_or_404(partner_id), status=409)
        partner = _partner_or_404(partner_id)
        apply_error(form, done.error)
    return render_detail(partner, decision_form=form, open_action=action, status=422)


@bp.route("/partners/<int:partner_id>/risk", methods=["POST"])
def partner_risk(partner_id: int):
    # (the CSRF token is checked for every POST by CSRFProtect)
    with unit_of_work():
        partner = _partner_or_404(partner_id, for_update=True)
        row = risk.recompute(partner, actor(), now=utcnow())
    flash(f"Risk checked again: score {row.score} ({row.level}).", "success")
    return redirect(url_for("admin.partner_detail", partner_id=partner.id) + "#risk")


@bp.route("/partners/<int:partner_id>/notes", methods=["POST"])
def partner_note(partner_id: int):
    form = NoteForm()
    partner = _partner_or_404(partner_id, for_update=True)
    if form.validate_on_submit():
        with unit_of_work(form) as done:
            vetting.add_note(partner, form.body.data, actor(), now=utcnow())
        if done:
            flash("Note added.", "success")
            return redirect(url_for("admin.partner_detail", partner_id=partner.id) + "#notes")
        partner = _partner_or_404(partner_id)
    return render_detail(partner, note_form=form, status=422)


@bp.route("/partners/<int:partner_id>/group", methods=["POST"])
def partner_group(partner_id: int):
    form = MoveGroupForm()
    partner = _partner_or_404(partner_id, for_update=True)
    if form.validate_on_submit():
        with unit_of_work(form) as done:
            vetting.move_to_group(partner, form.group_id.data, actor(), now=utcnow())
        if done:
            flash(f"{partner.name} is in the “{partner.group.name}” group.", "success")
            return redirect(url_for("admin.partner_detail", partner_id=partner.id))
        partner = _partner_or_404(partner_id)
    return render_detail(partner, move_form=form, status=422)
