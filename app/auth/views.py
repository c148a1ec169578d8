"""Sign in, sign out, sign up, change or reset the password."""

from __future__ import annotations

import contextlib
import re
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.auth.accounts import AccountError, authenticate, change_password, create_organizer
from app.auth.forms import (
    LoginForm,
    PasswordForm,
    ResetPasswordForm,
    ResetRequestForm,
    SettingsForm,
    SignupForm,
)
from app.extensions import db
from app.security import throttle
from app.validation import normalise_email

bp = Blueprint("auth", __name__, url_prefix="/auth")
# A path on this site: printable ASCII, no backslash (browsers read `/\host` as `//host`).
LOCAL_PATH = re.compile(r"/(?![/\\])[!-~]*")


def safe_next(target: str | None) -> str:
    """Only follow `next` to a path on this site, never to another host."""
    if target and LOCAL_PATH.fullmatch(target) and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("events.index")


def throttle_sign_in(email: str | None) -> None:
    """Per client address on every attempt; per account once its failures add up."""
    wait = throttle.attempt("signin_address", throttle.client_address())
    if not wait and email:
        wait = throttle.blocked("signin_account", email)
    if wait:
        throttle.refuse(wait, "sign-in attempts")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("events.index"))
    form = LoginForm()
    if request.method == "POST":
        valid = form.validate_on_submit()
        email = normalise_email(form.email.data) if valid else None
        throttle_sign_in(email)
        if valid and email:
            organizer = authenticate(email, form.password.data or "")
            if organizer is None:
                throttle.record("signin_account", email)
                flash("Wrong email or password.", "error")
                return render_template("auth/login.html", form=form), 401
            login_user(organizer, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")))
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    from app.extensions import db

    # Server-side: this and every other session and remember cookie end now.
    current_user.end_sessions()
    db.session.commit()
    logout_user()
    flash("Signed out.", "info")
    return redirect(url_for("pages.home"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        organizer = current_user._get_current_object()
        if not organizer.check_password(form.current.data or ""):
            form.current.errors.append("This is not your current password.")
        else:
            try:
                change_password(organizer, form.password.data or "")
            except AccountError as exc:
                form.password.errors.append(str(exc))
            else:
                login_user(organizer)  # this browser stays signed in, with a new id
                flash("Password changed; other browsers are signed out.", "success")
                return redirect(url_for("events.index"))
    status = 400 if form.errors else 200
    return render_template("auth/password.html", form=form), status


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if not current_app.config["SIGNUP_OPEN"]:
        abort(
            403,
            description="New accounts are not open here. Ask the person who runs this "
            "Laurel site to create an account for you.",
        )
    form = SignupForm()
    if request.method == "POST":
        wait = throttle.attempt("signup_address", throttle.client_address())
        if wait:
            throttle.refuse(wait, "sign-ups from your address")
    if form.validate_on_submit():
        email = normalise_email(form.email.data)
        # The same answer whether or not the address already has an account,
        # so that sign-up does not tell strangers who is registered.
        with contextlib.suppress(AccountError):
            create_organizer(email, form.password.data or "")
        flash(
            f"If {email} had no account, it has one now: sign in with the password you chose.",
            "success",
        )
        return redirect(url_for("auth.login"))
    status = 400 if form.errors else 200
    return render_template("auth/signup.html", form=form), status


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    form = SettingsForm(obj=current_user)
    if form.validate_on_submit():
        current_user.display_name = (form.display_name.data or "").strip() or None
        db.session.commit()
        flash("Settings saved.", "success")
        return redirect(url_for("auth.settings"))
    status = 400 if form.errors else 200
    return render_template("auth/settings.html", form=form), status


def reset_unavailable() -> str | None:
    """Why reset by email cannot work here, or None."""
    from app.auth.reset import reset_base

    if not current_app.config["MAIL"].enabled:
        return "Email is off here (EMAIL_URL is not set)"
    if reset_base() is None:
        return "BASE_URL is not set, so a reset link cannot point at this site"
    return None


@bp.route("/reset", methods=["GET", "POST"])
def reset_request():
    from app.auth.reset import request_reset, reset_base

    unavailable = reset_unavailable()
    form = ResetRequestForm()
    if request.method == "POST":
        if unavailable:
            abort(409, description=f"{unavailable}: ask whoever runs this site to reset it.")
        wait = throttle.attempt("reset_address", throttle.client_address())
        if wait:
            throttle.refuse(wait, "password reset requests from your address")
    if form.validate_on_submit():
        email = normalise_email(form.email.data)
        # Per address, whether or not it has an account: the limit tells nothing.
        wait = throttle.attempt("reset_account", email)
        if wait:
            throttle.refuse(wait, "password reset requests for this address")
        request_reset(email, reset_base() or "")
        # The same page whether or not the address has an account.
        flash(
            f"A message is on its way to {email}. If it has an account here, the message "
            "holds a link to set a new password; the link works once, within an hour.",
            "success",
        )
        return redirect(url_for("auth.login"))
    status = 400 if form.errors else 200
    return render_template("auth/reset_request.html", form=form, unavailable=unavailable), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    from app.auth.reset import organizer_for

    organizer = organizer_for(token)
    if organizer is None:
        abort(
            404,
            description="This reset link is not valid: it has expired, was already used, "
            "or was cut short. Ask for a new one.",
        )
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            change_password(organizer, form.password.data or "")
        except AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            logout_user()
            flash("Password set; sign in with it. Every other browser is signed out.", "success")
            return redirect(url_for("auth.login"))
    status = 400 if form.errors else 200
    return render_template("auth/reset.html", form=form), status
