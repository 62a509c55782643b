"""Staff management (owners only) and the audit log page."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...models.accounts import STAFF_ROLES
from ...models.base import utcnow
from ...public_urls import public_url
from ...services import audit_log, staff
from ...services.errors import NotFound
from ...services.offset_paging import page_number, paginate
from ...services.permissions import STAFF
from ..csvutil import batched, csv_response
from ..forms import ConfirmForm
from ..units import unit_of_work
from . import bp, requires
from .vetting_forms import InviteForm
from .views import actor


def _link_for(token: str) -> str:
    return public_url("auth.reset_password", token=token)


def _invite_max_age() -> int:
    return current_app.config.get("STAFF_INVITE_MAX_AGE_SECONDS", 72 * 3600)


def _render_staff(form=None, status=200):
    return render_template("admin/staff.html", staff=staff.list_staff(), form=form or InviteForm(),
                           roles=STAFF_ROLES, confirm=ConfirmForm(), me=current_user.id), status


@bp.route("/staff")
@requires(STAFF)
def staff_index():
    return _render_staff()


@bp.route("/staff/invite", methods=["POST"])
@requires(STAFF)
def staff_invite():
    form = InviteForm()
    if form.validate_on_submit():
        with unit_of_work(form) as done:
            user = staff.invite(form.email.data, form.role.data, actor(), now=utcnow(),
                                link_for=_link_for, max_age_seconds=_invite_max_age(),
                                name=form.name.data)
        if done:
            flash(f"Invitation sent to {user.email} ({user.role}).", "success")
            return redirect(url_for("admin.staff_index"))
    return _render_staff(form, 422)


@bp.route("/staff/<int:user_id>/<op>", methods=["POST"])
@requires(STAFF)
def staff_change(user_id: int, op: str):
    if op not in ("role", "deactivate", "reactivate", "resend"):
        abort(404)
    with unit_of_work(flash_error=True) as ok:
        try:
            if op == "role":
                user = staff.change_role(user_id, request.form.get("role", ""), actor(), now=utcnow())
                done = f"{user.email} is now {user.role}."
            elif op == "resend":
                user = staff.resend_invite(user_id, actor(), now=utcnow(), link_for=_link_for,
                                           max_age_seconds=_invite_max_age())
                done = f"Invitation sent again to {user.email}."
            else:
                user = staff.set_active(user_id, op == "reactivate", actor(), now=utcnow())
                done = f"{user.email} is {'active' if user.is_active_account else 'deactivated'}."
        except NotFound:
            abort(404)
    if not ok:
        return redirect(url_for("admin.staff_index"))
    flash(done, "success")
    return redirect(url_for("admin.staff_index"))


# --- audit log --------------------------------------------------------------------------


@bp.route("/audit")
def audit_index():
    filters = audit_log.Filters.from_args(request.args)
    page = paginate(audit_log.statement(filters), page_number(request.args.get("page")), 50)
    return render_template("admin/audit.html", page=page, f=filters, changes=audit_log.changes,
                           actions=audit_log.known_actions(),
                           subject_types=audit_log.known_subject_types())


@bp.route("/audit.csv")
def audit_csv():
    filters = audit_log.Filters.from_args(request.args)
    entries = batched(audit_log.statement(filters))
    return csv_response(f"audit-log-{utcnow().strftime('%Y%m%d-%H%M')}.csv", audit_log.CSV_HEADER,
                        audit_log.csv_rows(entries))
