"""The home page and public certificate verification."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from app.certificates.codes import normalise_code
from app.security import throttle

bp = Blueprint("pages", __name__)


def throttle_lookup() -> None:
    """Per client address, so that codes cannot be enumerated at speed."""
    wait = throttle.attempt("verify_address", throttle.client_address())
    if wait:
        throttle.refuse(wait, "certificate lookups from your address")


@bp.get("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for("events.index"))
    return render_template("pages/home.html", signup_open=current_app.config["SIGNUP_OPEN"])


@bp.get("/verify")
def verify_form():
    typed = request.args.get("code", "").strip()
    if not typed:
        return render_template("pages/verify_form.html", typed="")
    throttle_lookup()
    code = normalise_code(typed)
    if code is None:
        message = "That is not a certificate code: codes look like LAU-XXXX-XXXX-XXXX-XXXX."
        return render_template("pages/verify_form.html", typed=typed, message=message), 400
    return redirect(url_for("pages.verify", code=code))


@bp.get("/verify/<code>")
def verify(code: str):
    from app.certificates.queries import certificate_by_code, file_url

    canonical = normalise_code(code)
    if canonical and canonical != code:
        return redirect(url_for("pages.verify", code=canonical), 301)
    throttle_lookup()
    certificate = certificate_by_code(code) if canonical else None
    if certificate is None:
        abort(
            404,
            description="No certificate has this code. Check that it was typed exactly "
            "as printed on the certificate.",
        )
    links = {kind: file_url(certificate, kind) for kind in ("png", "pdf")}
    return render_template("pages/verify.html", certificate=certificate, links=links)
