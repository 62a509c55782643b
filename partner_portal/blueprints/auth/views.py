from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from ...extensions import db
from ...models import User
from ...models.base import utcnow
from ...public_urls import public_url
from ...services import accounts, applications, notifications
from ...services.errors import AuthenticationFailed, Throttled
from ...services.referrals import find_recruiter
from ..forms import apply_error, is_safe_next
from ..units import unit_of_work
from . import attempts, bp
from .forms import ApplyForm, ForgotPasswordForm, LoginForm, ResetPasswordForm, TwoFactorForm
from .session import client_ip, end_session, home_endpoint, load_user, start_session

PENDING_2FA = "pending_2fa"


def _throttled(form, exc: Throttled, template: str):
    form.form_errors.append(exc.message)
    response = current_app.make_response((render_template(template, form=form), 429))
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _finish_login(user: User, next_url: str | None):
    """After the unit of work that checked the last factor and recorded the sign-in
    (``accounts.record_login``) has committed: start a fresh session."""
    start_session(user)
    if is_safe_next(next_url):
        return redirect(next_url)
    return redirect(url_for(home_endpoint(user)))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    status = 200
    if form.validate_on_submit():
        try:
            result = attempts.check_password(form.email.data, form.password.data)
        except Throttled as exc:
            return _throttled(form, exc, "auth/login.html")
        # A failure rolls back; the attempt stays recorded as one (check_password committed it).
        with unit_of_work(hold=True) as done:
            if not result.right:
                raise AuthenticationFailed("Wrong email or password.", field="password")
            user = attempts.accept_password(result)
            if not user.totp_enabled:
                accounts.record_login(user, ip=client_ip(), now=utcnow())
        if not isinstance(done.error, AuthenticationFailed | None):
            raise done.error
        if done.error:
            apply_error(form, done.error)
            status = 401
        else:
            if user.totp_enabled:
                pending = {"user": user.get_id(), "next": form.next.data or ""}
                session.clear()
                session[PENDING_2FA] = pending
                return redirect(url_for("auth.two_factor"))
            return _finish_login(user, form.next.data)
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/login/2fa", methods=["GET", "POST"])
def two_factor():
    pending = session.get(PENDING_2FA)
    user = load_user(pending["user"]) if isinstance(pending, dict) and "user" in pending else None
    if user is None:
        return redirect(url_for("auth.login"))
    form = TwoFactorForm()
    status = 200
    if form.validate_on_submit():
        try:
            with unit_of_work():  # a wrong code is kept too, for throttling
                right = attempts.check_code(user, form.code.data)
                if right:
                    accounts.record_login(user, ip=client_ip(), now=utcnow())
        except Throttled as exc:
            return _throttled(form, exc, "auth/two_factor.html")
        if right:
            return _finish_login(user, pending.get("next"))
        form.code.errors = ["That code is not valid."]
        status = 401
    return render_template("auth/two_factor.html", form=form), status


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    if request.method == "GET":
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        return render_template("auth/logout.html")
    # POST is CSRF-checked; sign out here and end the user's other sessions too.
    if current_user.is_authenticated:
        with unit_of_work():
            accounts.end_all_sessions(current_user._get_current_object())
    end_session()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        with unit_of_work():
            user = accounts.find_user_by_email(form.email.data)
            if user is not None and user.is_active_account:
                max_age = current_app.config["PASSWORD_RESET_MAX_AGE_SECONDS"]
                token = accounts.create_reset_token(user, now=utcnow(), max_age_seconds=max_age)
                notifications.password_reset(
                    user, public_url("auth.reset_password", token=token), max_age // 60
                )
        # The same answer whether or not the address has an account.
        flash("If that address has an account, a reset link is on its way.", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    row = accounts.find_valid_reset(token, now=utcnow())
    if row is None:
        return render_template("auth/reset_invalid.html"), 410
    form = ResetPasswordForm()
    if form.validate_on_submit():
        email = row.user.email
        db.session.commit()  # only read so far: no transaction stays open while hashing
        with unit_of_work(form) as done:
            password_hash = accounts.new_password_hash(form.password.data, email=email)
            accounts.consume_reset(token, password_hash, now=utcnow())
        if done:
            end_session()
            flash("Your password has been changed. Sign in with the new one.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/apply", methods=["GET", "POST"])
def apply():
    """Every field's problem is shown on the first submission: the form's own checks and the
    application's together. What was typed stays, except the passwords."""
    form = ApplyForm()
    if request.method == "GET":
        form.ref.data = request.args.get("ref", "")[:24]
    status = 200
    if request.method == "POST":
        form_ok = form.validate_on_submit()
        application = applications.Application(
            name=form.name.data, email=form.email.data, password=form.password.data,
            website=form.website.data, promotion_methods=form.promotion_methods.data or [],
            country=form.country.data, payout_email=form.payout_email.data,
            accepted_terms=bool(form.accept_terms.data), social_profile=form.social_profile.data,
            company=form.company.data, referrer_ref=form.ref.data,
        )
        problems = []
        if form_ok:
            with unit_of_work(hold=True) as done:
                applications.submit_application(application, ip=client_ip(), now=utcnow())
            if done:
                return redirect(url_for("auth.applied"))
            problems = getattr(done.error, "errors", [done.error])
        else:  # the application's own checks too, in the same round
            _, problems = applications.check_application(application)
        for error in problems:
            named = getattr(form, error.field or "", None)
            if named is None or not named.errors:  # one message per field
                apply_error(form, error)
        status = 422
    from ...services.program import current_terms

    return render_template("auth/apply.html", form=form, terms=current_terms("terms"),
                           guidelines=current_terms("guidelines"),
                           recruiter=find_recruiter(form.ref.data)), status


@bp.route("/apply/thanks")
def applied():
    return render_template("auth/applied.html")
