"""Announcements to partners, and the partner portal's own settings."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from ...models.base import utcnow
from ...public_urls import public_url
from ...services import announcements, audit
from ...services.errors import NotFound
from ...services.offset_paging import page_number, paginate
from ...services.program import get_program
from ..forms import ConfirmForm
from ..units import unit_of_work
from . import bp
from .portal_forms import AnnouncementForm, PortalSettingsForm
from .views import actor


def _dashboard_url() -> str:
    return public_url("partner.home")


def _get(announcement_id: int):
    try:
        return announcements.get(announcement_id)
    except NotFound:
        abort(404)


@bp.route("/announcements", methods=["GET", "POST"])
def announcements_index():
    form = AnnouncementForm()
    status = 200
    if form.validate_on_submit():
        with unit_of_work(form) as done:
            item = announcements.publish(form.title.data, form.body.data, pinned=form.pinned.data,
                                         actor=actor(), now=utcnow())
            sent = announcements.email_partners(item.id, url=_dashboard_url(), actor=actor(),
                                                now=utcnow()) if form.email.data else None
        if done:
            flash("Published to partners' dashboards" +
                  (f" and emailed to {sent} partners." if sent is not None else "."), "success")
            return redirect(url_for("admin.announcements_index"))
        else:
            status = 422
    elif form.is_submitted():
        status = 422
    shown = request.args.get("status") if request.args.get("status") in ("published", "archived") \
        else None
    page = paginate(announcements.admin_statement(shown), page_number(request.args.get("page")))
    return render_template("admin/announcements.html", form=form, page=page, shown=shown,
                           action_form=ConfirmForm()), status


@bp.route("/announcements/<int:announcement_id>", methods=["GET", "POST"])
def announcement_edit(announcement_id: int):
    item = _get(announcement_id)
    form = AnnouncementForm(obj=item)
    status = 200
    if form.validate_on_submit():
        with unit_of_work(form) as done:
            announcements.update(announcement_id, form.title.data, form.body.data,
                                 pinned=form.pinned.data, actor=actor(), now=utcnow())
            if form.email.data and item.emailed_at is None:
                announcements.email_partners(announcement_id, url=_dashboard_url(),
                                             actor=actor(), now=utcnow())
        if done:
            flash("Saved.", "success")
            return redirect(url_for("admin.announcements_index"))
        else:
            item = _get(announcement_id)
            status = 422
    elif form.is_submitted():
        status = 422
    return render_template("admin/announcement_form.html", form=form, item=item), status


@bp.route("/announcements/<int:announcement_id>/<action>",
          methods=["POST"])
def announcement_archive(announcement_id: int, action: str):
    if action not in ("archive", "restore"):
        abort(404)
    _get(announcement_id)
    if ConfirmForm().validate_on_submit():
        with unit_of_work(flash_error=True) as done:
            announcements.set_archived(announcement_id, action == "archive", actor=actor(),
                                       now=utcnow())
        if done:
            flash("Archived: partners no longer see it." if action == "archive"
                  else "Back on partners' dashboards.", "success")
    return redirect(url_for("admin.announcements_index"))


@bp.route("/settings/portal", methods=["GET", "POST"])
def portal_settings():
    program = get_program()
    form = PortalSettingsForm(obj=program)
    if form.validate_on_submit():
        with unit_of_work():
            before = audit.snapshot(program, ["leaderboard_enabled"])
            program.leaderboard_enabled = form.leaderboard_enabled.data
            after = audit.snapshot(program, ["leaderboard_enabled"])
            if after != before:
                audit.record(actor(), "program.portal_update", "program", program.id, before=before,
                             after=after)
        flash("Partner portal settings saved.", "success")
        return redirect(url_for("admin.portal_settings"))
    return render_template("admin/portal_settings.html", form=form)
