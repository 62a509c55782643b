"""Statements by month: make them, generated, emailed, failed; preview, resend,
regenerate."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for

from ...jobs import statements as runs
from ...jobs.runner import job_lock
from ...models.base import utcnow
from ...services.errors import DomainError, NotFound
from ...services.offset_paging import page_number, paginate
from ...services.permissions import PAY, STATEMENTS
from ...services.program import program_zone
from ...services.statements import outbox, store
from ...services.statements import runs as statement_runs
from ...services.statements.months import Month, parse_month
from ..csvutil import batched, csv_response
from ..forms import ConfirmForm
from ..units import unit_of_work
from . import bp, requires
from .forms import GenerateStatementsForm
from .views import actor

EMAIL_FILTERS = {"": "Any email status", "sent": "Emailed", "pending": "Waiting to send",
                 "failed": "Failed", "skipped": "Opted out", "not_emailed": "Not emailed yet"}


def _month_arg() -> tuple[Month, str | None]:
    zone, now = program_zone(), utcnow()
    value = request.args.get("month")
    if value:
        try:
            return parse_month(value, now=now, zone=zone), None
        except DomainError as exc:
            return Month.of(now, zone).previous(), exc.message
    return Month.of(now, zone).previous(), None


@bp.route("/statements")
def statements_index():
    month, month_error = _month_arg()
    status = request.args.get("status", "")
    status = status if status in EMAIL_FILTERS else ""
    q = (request.args.get("q") or "").strip()
    query = store.month_rows(month, status=status or None, q=q or None)
    if request.args.get("format") == "csv":
        rows = batched(query, scalars=False)
        return csv_response(f"statements-{month}.csv", [
            "statement_id", "partner_id", "partner_ref", "partner", "email", "month", "version",
            "month_to_date", "opening_balance", "closing_balance", "pending", "currency",
            "sha256", "generated_at", "email_status", "emailed_at", "email_error"],
            ((s.id, p.id, p.ref, p.name, p.email, s.month, s.version, s.month_to_date,
              s.opening_balance, s.closing_balance, s.pending_amount, s.currency, s.sha256,
              s.generated_at.isoformat(), e.status if e else "", e.sent_at.isoformat()
              if e and e.sent_at else "", e.last_error if e else "") for s, p, e in rows))
    return _index(month, month_error=month_error, status=status, q=q, query=query)


def _index(month: Month, *, month_error=None, status="", q="", query=None, form=None,
           code: int = 200):
    if query is None:
        query = store.month_rows(month, status=status or None, q=q or None)
    page = paginate(query, page_number(request.args.get("page")), scalars=False)
    zone = program_zone()
    latest = Month.of(utcnow(), zone)
    recent = [latest]
    while len(recent) < 12:
        recent.append(recent[-1].previous())
    if form is None:
        form = GenerateStatementsForm(formdata=None, month=str(month))
    return render_template(
        "admin/statements.html", month=month, month_error=month_error, status=status, q=q,
        filters=EMAIL_FILTERS, page=page, counts=store.month_counts(month, zone),
        recent=recent, current_month=latest, confirm=ConfirmForm(), generate_form=form,
        run=statement_runs.latest(month)), code


@bp.route("/statements/runs", methods=["POST"])
@requires(STATEMENTS)
def statements_generate():
    """Queue a month's statements; the scheduler's statement-runs job makes them and the
    page shows the progress. Pressing twice (or two people at once) queues one run."""
    form = GenerateStatementsForm()
    zone, now = program_zone(), utcnow()
    if not form.validate_on_submit():
        abort(400)
    try:
        month = parse_month(form.month.data, now=now, zone=zone)
    except DomainError as exc:
        form.month.errors = [exc.message]
        return _index(Month.of(now, zone).previous(), form=form, code=400)
    with unit_of_work():
        run, created = statement_runs.request(month, email=form.email.data, actor=actor(), now=now)
    if created:
        flash(f"Statements for {month.label} are queued: the progress shows below.", "success")
    else:
        flash(f"Statements for {month.label} are already {run.status}: here is their progress.",
              "info")
    return redirect(url_for("admin.statements_index", month=str(month)))


@bp.route("/statements/runs/<int:run_id>.json")
def statement_run_progress(run_id: int):
    """The run's progress for the page's script (it polls while the run is open)."""
    try:
        run = statement_runs.get(run_id)
    except NotFound:
        abort(404)
    return jsonify(progress_of(run))


def progress_of(run) -> dict:
    return {"id": run.id, "month": run.month, "status": run.status, "total": run.total,
            "rendered": run.rendered, "failed": run.failed, "already": run.already,
            "open": run.is_open, "error": run.error, "result": run.result}


def _statement_or_404(statement_id: int):
    try:
        return store.get(statement_id)
    except NotFound:
        abort(404)


@bp.route("/statements/<int:statement_id>.pdf")
def statement_pdf(statement_id: int):
    statement = _statement_or_404(statement_id)
    disposition = "attachment" if request.args.get("download") else "inline"
    return Response(statement.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'{disposition}; filename="{statement.filename}"',
        "X-Content-SHA256": statement.sha256, "Cache-Control": "private, no-store"})


@bp.route("/statements/<int:statement_id>/regenerate", methods=["POST"])
@requires(PAY)
def statement_regenerate(statement_id: int):
    statement = _statement_or_404(statement_id)
    back = url_for("admin.statements_index", month=statement.month)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with unit_of_work(flash_error=True) as done:
        new = store.regenerate(statement_id, actor=actor(), now=utcnow())
    if not done:
        return redirect(back)
    same = "the same figures and bytes" if new.sha256 == statement.sha256 else "changed figures"
    flash(f"Statement regenerated as version {new.version} ({same}).", "success")
    return redirect(back)


@bp.route("/statements/emails/<int:email_id>/resend", methods=["POST"])
@requires(PAY)
def statement_resend(email_id: int):
    try:
        row = outbox.get(email_id)
    except NotFound:
        abort(404)
    back = url_for("admin.statements_index", month=row.month, status=request.form.get("status") or None)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with unit_of_work(flash_error=True) as done:
        outbox.resend(email_id, actor=actor(), now=utcnow())
    if not done:
        return redirect(back)
    app = current_app._get_current_object()
    with job_lock(app, runs.EMAIL_LOCK) as acquired:
        if not acquired:
            flash("Queued: the statement email goes out with the delivery that is running now "
                  "or the next one (within five minutes).", "info")
            return redirect(back)
        runs.deliver_emails(app, only=[email_id])
    row = outbox.get(email_id)
    if row.status == "sent":
        flash(f"Statement emailed to {row.to_address}.", "success")
    else:
        flash(f"Not sent ({row.status}): {row.last_error or ''}".strip(), "error")
    return redirect(back)
