"""Sign in, sign out, sign up."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.auth.accounts import AccountError, create_organizer, find_organizer
from app.auth.forms import LoginForm, SettingsForm, SignupForm
from app.extensions import db

bp = Blueprint("auth", __name__, url_prefix="/auth")


def safe_next(target: str | None) -> str:
    """Only follow `next` to a path on this site, never to another host."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("events.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("events.index"))
    form = LoginForm()
    if form.validate_on_submit():
        organizer = find_organizer(form.email.data or "")
        if organizer is None or not organizer.check_password(form.password.data or ""):
            flash("Wrong email or password.", "error")
            return render_template("auth/login.html", form=form), 401
        login_user(organizer, remember=form.remember.data)
        return redirect(safe_next(request.args.get("next")))
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("Signed out.", "info")
    return redirect(url_for("pages.home"))


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if not current_app.config["SIGNUP_OPEN"]:
        abort(
            403,
            description="New accounts are not open here. Ask the person who runs this "
            "Laurel site to create an account for you.",
        )
    form = SignupForm()
    if form.validate_on_submit():
        try:
            organizer = create_organizer(form.email.data or "", form.password.data or "")
        except AccountError as exc:
            form.email.errors.append(str(exc))
        else:
            login_user(organizer)
            return redirect(url_for("events.index"))
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
