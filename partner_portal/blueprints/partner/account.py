"""The partner's account: password, profile, sign-in email, email preferences, two-factor."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from ...models.base import utcnow
from ...public_urls import public_url
from ...services import accounts, notifications, partner_account, preferences
from ...services.errors import NotFound, Throttled
from ...services.program import get_program
from ..account import (
    change_password_view,
    disable_two_factor_view,
    enable_two_factor_view,
    two_factor_qr,
    two_factor_setup_secret,
)
from ..auth import attempts
from ..auth.forms import TwoFactorDisableForm
from ..forms import ChangePasswordForm, ConfirmForm, apply_error
from ..units import unit_of_work
from . import actor, bp
from .forms import EmailChangeForm, ProfileForm, TwoFactorSetupForm

# The account page holds several forms; prefixes keep their field names and ids apart.
PASSWORD_PREFIX, PROFILE_PREFIX, EMAIL_PREFIX, TFA_PREFIX, PREFS_PREFIX = \
    "pw", "profile", "email", "tfa", "prefs"


def _page(status: int = 200, **forms):
    partner, user = g.partner, current_user._get_current_object()
    forms.setdefault("password_form", ChangePasswordForm(formdata=None, prefix=PASSWORD_PREFIX))
    forms.setdefault("profile_form", ProfileForm(formdata=None, obj=partner,
                                                 prefix=PROFILE_PREFIX))
    forms.setdefault("email_form", EmailChangeForm(formdata=None, prefix=EMAIL_PREFIX))
    forms.setdefault("disable_form", TwoFactorDisableForm(formdata=None, prefix=TFA_PREFIX))
    return render_template(
        "partner/account.html", partner=partner, prefs=preferences.choices(partner),
        kinds=preferences.KINDS, prefs_form=ConfirmForm(formdata=None, prefix=PREFS_PREFIX),
        pending_email=partner_account.pending_email(user, utcnow()), **forms), status


@bp.route("/account", methods=["GET", "POST"])
def account():
    form = ChangePasswordForm(prefix=PASSWORD_PREFIX)
    if change_password_view(form, current_user._get_current_object()):
        return redirect(url_for("partner.account"))
    return _page(422 if form.errors else 200, password_form=form)


@bp.route("/account/profile", methods=["POST"])
def account_profile():
    form = ProfileForm(prefix=PROFILE_PREFIX)
    if form.validate_on_submit():
        with unit_of_work(form) as done:
            partner_account.update_profile(g.partner, form.display_name.data,
                                           form.leaderboard_opt_out.data, actor=actor(),
                                           now=utcnow())
        if done:
            flash("Your profile is saved.", "success")
            return redirect(url_for("partner.account"))
    return _page(422, profile_form=form)


@bp.route("/account/email", methods=["POST"])
def account_email():
    form = EmailChangeForm(prefix=EMAIL_PREFIX)
    status = 422
    if form.validate_on_submit():
        user = current_user._get_current_object()
        max_age = current_app.config["EMAIL_CHANGE_MAX_AGE_SECONDS"]
        with unit_of_work(hold=True) as done:
            attempts.confirm_password(user, form.password.data)
            token = partner_account.request_email_change(
                user, form.new_email.data, now=utcnow(), max_age_seconds=max_age,
                actor=actor())
            new_email = partner_account.pending_email(user, utcnow())
            notifications.email_change_confirm(
                user, new_email,
                public_url("partner.account_email_confirm", token=token),
                max(1, max_age // 3600))
        if isinstance(done.error, Throttled):
            form.form_errors.append(attempts.confirm_message(done.error))
            status = 429
        elif done.error:
            apply_error(form, done.error)
        else:
            flash(f"We sent a link to {new_email}. Open it to finish the change; until then "
                  "you keep signing in with your current address.", "info")
            return redirect(url_for("partner.account"))
    return _page(status, email_form=form)


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def account_email_confirm(token: str):
    """GET shows a button (mail scanners that open links change nothing); POST confirms."""
    form = ConfirmForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        with unit_of_work(flash_error=True) as done:
            try:
                changed = partner_account.confirm_email_change(user, token, now=utcnow(),
                                                               actor=actor())
            except NotFound:
                abort(404)
            notifications.email_changed(changed.old, user, changed.new)
        if not done:
            return redirect(url_for("partner.account"))
        flash(f"Your sign-in email is now {changed.new}.", "success")
        return redirect(url_for("partner.account"))
    if not partner_account.token_belongs_to(user, token):
        abort(404)
    return render_template("partner/email_confirm.html", form=form)


@bp.route("/account/notifications", methods=["POST"])
def account_notifications():
    if ConfirmForm(prefix=PREFS_PREFIX).validate_on_submit():
        with unit_of_work():
            chosen = set(request.form.getlist("kinds"))
            preferences.save(g.partner, {k.code: k.code in chosen for k in preferences.KINDS},
                             actor=actor(), now=utcnow())
        flash("Your email preferences are saved.", "success")
    return redirect(url_for("partner.account"))


@bp.route("/account/2fa", methods=["GET", "POST"])
def two_factor_setup():
    user = current_user._get_current_object()
    if user.totp_enabled:
        return redirect(url_for("partner.account"))
    form = TwoFactorSetupForm()
    if enable_two_factor_view(form, user, actor()):
        flash("Two-factor authentication is on. Sign-in now asks for a code.", "success")
        return redirect(url_for("partner.account"))
    secret = two_factor_setup_secret(user)
    uri = accounts.totp_uri(user, secret, get_program().name)
    return render_template("partner/two_factor_setup.html", form=form, secret=secret,
                           qr=two_factor_qr(uri)), 422 if form.errors else 200


@bp.route("/account/2fa/disable", methods=["POST"])
def two_factor_disable():
    form = TwoFactorDisableForm(prefix=TFA_PREFIX)
    status = disable_two_factor_view(form, current_user._get_current_object(), actor())
    if status is None:
        flash("Two-factor authentication is off.", "success")
        return redirect(url_for("partner.account"))
    return _page(status, disable_form=form)
