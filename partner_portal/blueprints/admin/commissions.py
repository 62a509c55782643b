"""Commissions: the list (filters, paging, CSV), one commission and the decisions on it."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ...extensions import db
from ...models import AuditEntry, Commission, Offer
from ...models.base import utcnow
from ...services import commission_plans
from ...services import commissions as commission_service
from ...services.errors import ValidationError
from ...services.lifecycle import COMMISSION
from ...services.money import round_money
from ...services.program import program_zone, to_local
from ..csvutil import batched, csv_response
from ..forms import apply_error
from ..units import unit_of_work
from . import bp
from .commission_forms import CommissionFilterForm, DecideForm
from .offer_forms import options
from .views import actor

PAGE_SIZE = 50


def _offer_choices(blank: str):
    offers = db.session.scalars(select(Offer).order_by(Offer.name))
    return options([("", blank)] + [(o.id, o.name) for o in offers])


def _local_midnight(day) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=program_zone())


def _filters(form: CommissionFilterForm) -> commission_service.Filters | None:
    filters = commission_service.Filters(status=form.status.data or None,
                                         kind=form.kind.data or None, offer_id=form.offer.data)
    if form.partner.data:
        try:
            filters.partner_id = commission_plans.find_partner(form.partner.data).id
        except ValidationError as exc:
            apply_error(form, exc)
            return None
    if form.since.data:
        filters.since = _local_midnight(form.since.data)
    if form.until.data:
        filters.until = _local_midnight(form.until.data + timedelta(days=1))
    return filters


@bp.route("/commissions")
def commissions():
    form = CommissionFilterForm(request.args)
    form.offer.choices = _offer_choices("Any offer")
    if request.args and not form.validate():
        filters = None
    else:
        filters = _filters(form)
    if filters is None:
        return render_template("admin/commissions/list.html", form=form, rows=[], total=0,
                               page=1, pages=1, decide=DecideForm()), 422
    query = commission_service.search(filters)
    if request.args.get("format") == "csv":
        return _csv(query)
    total = commission_service.count(query)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    rows = list(db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    args = {k: v for k, v in request.args.items() if k not in ("page", "format")}
    return render_template("admin/commissions/list.html", form=form, rows=rows, total=total,
                           page=page, pages=pages, args=args, decide=DecideForm())


def _csv(query):
    zone = program_zone()
    rows = ((c.id, c.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                     c.partner.email, c.partner.ref, c.offer.name if c.offer else "",
                     c.conversion.order_id if c.conversion else "", c.kind, c.status,
                     round_money(c.amount, c.currency), c.currency,
                     c.payable_at.astimezone(zone).strftime("%Y-%m-%d") if c.payable_at else "",
                     c.reverses_id or "", c.status_reason or "", c.explanation)
            for c in batched(query))
    header = ["id", "created", "partner_email", "partner_ref", "offer", "order_id", "kind",
              "status", "amount", "currency", "payable_from", "reverses", "reason", "explanation"]
    return csv_response("commissions.csv", header, rows)


def _get(commission_id: int) -> Commission:
    commission = db.session.get(Commission, commission_id)
    if commission is None:
        abort(404)
    return commission


@bp.route("/commissions/<int:commission_id>")
def commission(commission_id: int):
    c = _get(commission_id)
    same = Commission.reverses_id == c.id
    if c.conversion_id:
        same = same | (Commission.conversion_id == c.conversion_id)
    related = list(db.session.scalars(select(Commission).where(same).order_by(Commission.id)))
    history = list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.subject_type == "commission",
                                 AuditEntry.subject_id == str(c.id))
        .order_by(AuditEntry.created_at, AuditEntry.id)))
    actions = [] if c.kind == "adjustment" else [
        a for a in COMMISSION.allowed_actions(c.status) if a in commission_service.ACTIONS]
    return render_template("admin/commissions/detail.html", c=c,
                           related=[r for r in related if r.id != c.id], history=history,
                           actions=actions, form=DecideForm(), to_local=to_local)


@bp.route("/commissions/<int:commission_id>/decide", methods=["POST"])
def commission_decide(commission_id: int):
    c = _get(commission_id)
    form = DecideForm()
    if form.validate_on_submit():
        # A decision is a read-then-write on money: the request is a write transaction from
        # the start (SQLite: BEGIN IMMEDIATE; PostgreSQL: the service locks the row).
        commission_id = c.id
        with unit_of_work(flash_error=lambda exc: f"Commission {commission_id}: {exc.message}") as ok:
            commission_service.decide(c.id, form.action.data, reason=form.reason.data,
                                      actor=actor(), now=utcnow())
        if ok:
            done = {"approve": "approved", "reject": "rejected", "hold": "put on hold",
                    "release": "released"}[form.action.data]
            flash(f"Commission {c.id} {done}.", "success")
    if request.form.get("back") == "list":
        return redirect(url_for("admin.commissions", **{k: v for k, v in request.args.items()}))
    return redirect(url_for("admin.commission", commission_id=c.id))
