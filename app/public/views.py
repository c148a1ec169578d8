"""The home page."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for("events.index"))
    return render_template("public/home.html", signup_open=current_app.config["SIGNUP_OPEN"])
