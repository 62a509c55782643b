from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from ...models.base import utcnow
from ...services import accounts, audit, dashboard, job_runs
from ...services.permissions import STAFF, VIEW
from ...services.program import get_program
from ..account import (
    change_password_view,
    disable_two_factor_view,
    enable_two_factor_view,
    two_factor_qr,
    two_factor_setup_secret,
)
from ..auth.forms import TwoFactorDisableForm
from ..auth.session import client_ip
from ..forms import ChangePasswordForm
from ..units import unit_of_work
from . import bp, requires
from .forms import SecuritySettingsForm, TwoFactorSetupForm


def actor() -> audit.Actor:
    return audit.Actor.of(current_user, client_ip())


@bp.route("/")
def home():
    overview = dashboard.admin_overview(utcnow())
    return render_template("admin/home.html", o=overview, failing_jobs=job_runs.failing())


TFA_PREFIX = "tfa"  # the account page's two forms keep their field names and ids apart


def _account_page(form=None, disable_form=None, status=200):
    return render_template(
        "admin/account.html", form=form or ChangePasswordForm(formdata=None),
        disable_form=disable_form or TwoFactorDisableForm(formdata=None, prefix=TFA_PREFIX)), status


@bp.route("/account", methods=["GET", "POST"])
@requires(VIEW)
def account():
    form = ChangePasswordForm()
    done = change_password_view(form, current_user._get_current_object())
    if done:
        return redirect(url_for("admin.account"))
    return _account_page(form=form)


@bp.route("/account/2fa", methods=["GET", "POST"])
@requires(VIEW)
def two_factor_setup():
    user = current_user._get_current_object()
    if user.totp_enabled:
        return redirect(url_for("admin.account"))
    form = TwoFactorSetupForm()
    if enable_two_factor_view(form, user, actor()):
        flash("Two-factor authentication is on.", "success")
        return redirect(url_for("admin.account"))
    secret = two_factor_setup_secret(user)
    uri = accounts.totp_uri(user, secret, get_program().name)
    return render_template("admin/two_factor_setup.html", form=form, secret=secret,
                           qr=two_factor_qr(uri), required=get_program().staff_2fa_required
                           ), 422 if form.errors else 200


@bp.route("/account/2fa/disable", methods=["POST"])
@requires(VIEW)
def two_factor_disable():
    form = TwoFactorDisableForm(prefix=TFA_PREFIX)
    if get_program().staff_2fa_required:
        if form.validate_on_submit():
            flash("The program requires two-factor authentication for staff.", "error")
        return redirect(url_for("admin.account"))
    status = disable_two_factor_view(form, current_user._get_current_object(), actor())
    if status is None:
        flash("Two-factor authentication is off.", "success")
        return redirect(url_for("admin.account"))
    return _account_page(disable_form=form, status=status)


@bp.route("/settings/security", methods=["GET", "POST"])
@requires(STAFF)
def security_settings():
    program = get_program()
    form = SecuritySettingsForm(obj=program)
    if form.validate_on_submit():
        with unit_of_work():
            before = audit.snapshot(program, ["staff_2fa_required"])
            program.staff_2fa_required = form.staff_2fa_required.data
            audit.record(actor(), "program.security_update", "program", program.id, before=before,
                         after=audit.snapshot(program, ["staff_2fa_required"]))
        flash("Security settings saved.", "success")
        return redirect(url_for("admin.security_settings"))
    return render_template("admin/security_settings.html", form=form)
