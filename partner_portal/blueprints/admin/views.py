from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from flask_login import current_user

from ...extensions import db
from ...models.base import utcnow
from ...services import accounts, audit, dashboard
from ...services.errors import DomainError
from ...services.permissions import STAFF, VIEW
from ...services.program import get_program
from ..account import change_password_view, two_factor_qr
from ..auth.session import client_ip
from ..forms import ChangePasswordForm, ConfirmForm, apply_error
from . import bp, requires
from .forms import SecuritySettingsForm, TwoFactorSetupForm


def actor() -> audit.Actor:
    return audit.Actor.of(current_user, client_ip())


@bp.route("/")
def home():
    overview = dashboard.admin_overview(utcnow())
    return render_template("admin/home.html", o=overview)


@bp.route("/account", methods=["GET", "POST"])
@requires(VIEW)
def account():
    form = ChangePasswordForm()
    done = change_password_view(form, current_user._get_current_object())
    if done:
        return redirect(url_for("admin.account"))
    return render_template("admin/account.html", form=form, disable_form=ConfirmForm())


@bp.route("/account/2fa", methods=["GET", "POST"])
@requires(VIEW)
def two_factor_setup():
    form = TwoFactorSetupForm()
    secret = session.get("totp_setup_secret") or accounts.new_totp_secret()
    session["totp_setup_secret"] = secret
    if form.validate_on_submit():
        try:
            accounts.enable_totp(current_user, secret, form.code.data, actor(), now=utcnow())
        except DomainError as exc:
            apply_error(form, exc)
        else:
            db.session.commit()
            session.pop("totp_setup_secret", None)
            flash("Two-factor authentication is on.", "success")
            return redirect(url_for("admin.account"))
    uri = accounts.totp_uri(current_user, secret, get_program().name)
    return render_template("admin/two_factor_setup.html", form=form, secret=secret,
                           qr=two_factor_qr(uri), required=get_program().staff_2fa_required)


@bp.route("/account/2fa/disable", methods=["POST"])
@requires(VIEW)
def two_factor_disable():
    form = ConfirmForm()
    if form.validate_on_submit():
        if get_program().staff_2fa_required:
            flash("The program requires two-factor authentication for staff.", "error")
        else:
            accounts.disable_totp(current_user, actor(), now=utcnow())
            db.session.commit()
            flash("Two-factor authentication is off.", "success")
    return redirect(url_for("admin.account"))


@bp.route("/settings/security", methods=["GET", "POST"])
@requires(STAFF)
def security_settings():
    program = get_program()
    form = SecuritySettingsForm(obj=program)
    if form.validate_on_submit():
        before = audit.snapshot(program, ["staff_2fa_required"])
        program.staff_2fa_required = form.staff_2fa_required.data
        audit.record(actor(), "program.security_update", "program", program.id, before=before,
                     after=audit.snapshot(program, ["staff_2fa_required"]))
        db.session.commit()
        flash("Security settings saved.", "success")
        return redirect(url_for("admin.security_settings"))
    return render_template("admin/security_settings.html", form=form)
