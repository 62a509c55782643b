"""Payout batches: create, review (exclude/include), approve, export, settle."""

from __future__ import annotations

from decimal import Decimal

from flask import Response, abort, flash, redirect, render_template, request, url_for

from ...jobs.payouts import create_batch_once
from ...models.base import utcnow
from ...services import audit, payout_exports, payouts
from ...services.errors import NotFound
from ...services.money import format_money
from ...services.permissions import PAY
from ...services.program import get_program, program_zone
from ..forms import ConfirmForm
from ..units import unit_of_work, writes
from . import bp, requires
from .payout_forms import ApproveBatchForm, BatchPaidForm, BatchSentForm, CreateBatchForm, ReasonForm, ReferenceForm
from .views import actor

PER_PAGE = 25


def _batch_or_404(batch_id: int, *, for_update: bool = False):
    try:
        return payouts.get_batch(batch_id, for_update=for_update)
    except NotFound:
        abort(404)


@bp.route("/payouts")
def payouts_index():
    page = max(request.args.get("page", 1, type=int), 1)
    batches = payouts.list_batches(limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE)
    form = CreateBatchForm(formdata=None, cutoff=utcnow().astimezone(program_zone()).date())
    return render_template("admin/payouts/index.html", batches=batches[:PER_PAGE], page=page,
                           has_next=len(batches) > PER_PAGE, form=form)


@bp.route("/payouts/batches", methods=["POST"])
@requires(PAY)
def payouts_create():
    form = CreateBatchForm()
    if form.validate_on_submit():
        with unit_of_work(form) as done:
            batch, created = create_batch_once(form.cutoff.data, actor=actor(), now=utcnow())
        if done:
            if created:
                flash(f"Drafted payout batch #{batch.id}: review it, then approve.", "success")
            else:
                flash(f"A batch for {batch.cutoff.isoformat()} already exists; here it is.", "info")
            return redirect(url_for("admin.payout_batch", batch_id=batch.id))
    batches = payouts.list_batches(limit=PER_PAGE)
    return render_template("admin/payouts/index.html", batches=batches, page=1, has_next=False,
                           form=form), 400


@bp.route("/payouts/batches/<int:batch_id>")
def payout_batch(batch_id: int):
    batch = _batch_or_404(batch_id)
    program = get_program()
    exports = [(e, e.unavailable(batch, program)) for e in payout_exports.EXPORTERS.values()]
    return render_template("admin/payouts/batch.html", batch=batch, exports=exports,
                           confirm=ConfirmForm(), sent_form=BatchSentForm(formdata=None),
                           reason_form=ReasonForm(formdata=None),
                           reference_form=ReferenceForm(formdata=None),
                           paid_form=BatchPaidForm(formdata=None))


def _action_error(exc) -> str:
    field = f" ({exc.field.replace('_', ' ')})" if exc.field else ""
    return f"{exc.message}{field}"


def _act(batch_id: int, action, success):
    """Run one payout action from a small form, commit, and go back to the batch.

    The action runs in a write transaction of its own, so two people pressing the same
    button at once take turns and the second gets a clear refusal. ``success`` is the
    message, or a function of the action's result giving (message, category)."""
    with unit_of_work(flash_error=_action_error) as done:
        result = action()
    if done:
        message, category = success(result) if callable(success) else (success, "success")
        flash(message, category)
    return redirect(url_for("admin.payout_batch", batch_id=batch_id))


def _to_approve(batch) -> tuple[int, Decimal]:
    """The number and total of the payouts approving ``batch`` would pay."""
    included = [p for p in batch.payouts if not p.excluded and p.status == "draft"]
    return len(included), sum((p.amount for p in included), Decimal(0))


@bp.route("/payouts/batches/<int:batch_id>/approve", methods=["GET", "POST"])
@requires(PAY)
def payout_batch_approve(batch_id: int):
    """Approving asks first: a page with the number of payouts and the total, whose form
    sends both back. A POST without them, or with figures the batch no longer has (a
    payout was left out meanwhile), shows the confirmation again and changes nothing.
    A POST reads the batch under its row lock, so a second approval pressed at the same
    moment waits for the first and then finds the batch approved."""
    batch = _batch_or_404(batch_id, for_update=request.method == "POST")
    count, total = _to_approve(batch)
    form = ApproveBatchForm(formdata=None, payouts=count, total=str(total))
    if request.method == "GET" or batch.status != "draft":
        if batch.status != "draft":
            flash(f"This batch is {batch.status}: there is nothing to approve.", "info")
            return redirect(url_for("admin.payout_batch", batch_id=batch_id))
        return render_template("admin/payouts/approve.html", batch=batch, form=form,
                               count=count, total=total)
    posted = ApproveBatchForm()
    if not posted.validate_on_submit() or not posted.matches(count, total):
        changed = posted.payouts.data is not None or bool(posted.total.data)
        return render_template(
            "admin/payouts/approve.html", batch=batch, form=form, count=count, total=total,
            error=("The batch changed since you looked: check the figures again."
                   if changed else "Confirm the number of payouts and the total first.")), 400
    return _act(batch_id, lambda: payouts.approve_batch(batch_id, actor=actor(), now=utcnow()),
                "Batch approved. Export the payment files, then mark the payouts sent.")


@bp.route("/payouts/batches/<int:batch_id>/cancel", methods=["POST"])
@requires(PAY)
def payout_batch_cancel(batch_id: int):
    _batch_or_404(batch_id)
    return _act(batch_id, lambda: payouts.cancel_batch(batch_id, actor=actor(), now=utcnow()),
                "Batch canceled. Its commissions are back in the partners' balances.")


@bp.route("/payouts/batches/<int:batch_id>/sent", methods=["POST"])
@requires(PAY)
def payout_batch_sent(batch_id: int):
    _batch_or_404(batch_id)
    form = BatchSentForm()
    form.validate()
    return _act(batch_id, lambda: payouts.mark_batch_sent(
        batch_id, form.method.data or None, form.reference.data, actor=actor(), now=utcnow()),
        "Payouts marked as sent.")


@bp.route("/payouts/batches/<int:batch_id>/paid", methods=["POST"])
@requires(PAY)
def payout_batch_paid(batch_id: int):
    """Mark the ticked payouts (or, with "Mark all paid", every one still open) paid with
    one reference."""
    batch = _batch_or_404(batch_id)
    form = BatchPaidForm()
    form.validate()
    ids = None
    if request.form.get("scope") != "all":
        try:
            ids = [int(value) for value in request.form.getlist("payout_ids")]
        except ValueError:
            flash("Tick payouts from the list. (payouts)", "error")
            return redirect(url_for("admin.payout_batch", batch_id=batch_id))

    def done(result: payouts.Settled):
        if not result.paid:
            return ("Already paid: nothing was changed (each payout is paid once).", "info")
        n = len(result.paid)
        message = (f"{n} payout{'s' if n != 1 else ''} marked paid "
                   f"({format_money(result.total, batch.currency)}); the partners have been emailed.")
        if result.already_paid:
            message += f" {len(result.already_paid)} already paid, left as they were."
        return message, "success"

    return _act(batch_id, lambda: payouts.mark_batch_paid(
        batch_id, ids, form.reference.data, actor=actor(), now=utcnow()), done)


@bp.route("/payouts/batches/<int:batch_id>/export/<name>")
@requires(PAY)
@writes  # the export is audited
def payout_batch_export(batch_id: int, name: str):
    batch = _batch_or_404(batch_id)
    if name not in payout_exports.EXPORTERS:
        abort(404)
    with unit_of_work(flash_error=True) as done:
        file = payout_exports.get_exporter(name).export(
            batch, get_program(), today=utcnow().astimezone(program_zone()).date())
        audit.record(actor(), "payout_batch.export", "payout_batch", batch.id,
                     after={"format": name, "payouts": len(file.payouts),
                            "total": sum(p.amount for p in file.payouts)}, now=utcnow())
    if not done:
        return redirect(url_for("admin.payout_batch", batch_id=batch_id))
    return Response(file.content, content_type=file.mimetype, headers={
        "Content-Disposition": f'attachment; filename="{file.filename}"',
        "Cache-Control": "no-store"})


def _payout_batch_id(payout_id: int) -> int:
    try:
        return payouts.get_payout(payout_id).batch_id
    except NotFound:
        abort(404)


@bp.route("/payouts/<int:payout_id>/exclude", methods=["POST"])
@requires(PAY)
def payout_exclude(payout_id: int):
    batch_id = _payout_batch_id(payout_id)
    form = ReasonForm()
    return _act(batch_id, lambda: payouts.set_excluded(
        payout_id, True, reason=form.reason.data, actor=actor(), now=utcnow()),
        "Payout left out of the batch.")


@bp.route("/payouts/<int:payout_id>/include", methods=["POST"])
@requires(PAY)
def payout_include(payout_id: int):
    batch_id = _payout_batch_id(payout_id)
    return _act(batch_id, lambda: payouts.set_excluded(payout_id, False, actor=actor(),
                                                       now=utcnow()),
                "Payout put back in the batch.")


@bp.route("/payouts/<int:payout_id>/sent", methods=["POST"])
@requires(PAY)
def payout_sent(payout_id: int):
    batch_id = _payout_batch_id(payout_id)
    form = ReferenceForm()
    return _act(batch_id, lambda: payouts.mark_sent(payout_id, form.reference.data,
                                                    actor=actor(), now=utcnow()),
                "Payout marked as sent.")


@bp.route("/payouts/<int:payout_id>/paid", methods=["POST"])
@requires(PAY)
def payout_paid(payout_id: int):
    batch_id = _payout_batch_id(payout_id)
    form = ReferenceForm()
    return _act(batch_id, lambda: payouts.mark_paid(payout_id, form.reference.data,
                                                    actor=actor(), now=utcnow()),
                "Payout marked as paid; the partner has been emailed.")


@bp.route("/payouts/<int:payout_id>/failed", methods=["POST"])
@requires(PAY)
def payout_failed(payout_id: int):
    batch_id = _payout_batch_id(payout_id)
    form = ReasonForm()
    return _act(batch_id, lambda: payouts.mark_failed(
        payout_id, form.reason.data, reference=form.reference.data, actor=actor(), now=utcnow()),
        "Payout marked as failed; the amount is back in the partner's balance.")
