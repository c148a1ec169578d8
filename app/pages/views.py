"""The home page and public certificate verification."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from app.certificates.codes import normalise_code
from app.security import throttle

bp = Blueprint("pages", __name__)


def refuse_if_guessing() -> None:
    """An address that looked up too many unknown codes waits, whatever it asks next,
    so that codes cannot be enumerated at speed (and a 429 tells nothing)."""
    wait = throttle.blocked("verify_address", throttle.client_address())
    if wait:
        throttle.refuse(wait, "lookups of unknown certificate codes from your address")


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
    code = normalise_code(typed)
    if code is None:
        message = "That is not a certificate code: codes look like LAU-XXXX-XXXX-XXXX-XXXX."
        return render_template("pages/verify_form.html", typed=typed, message=message), 400
    return redirect(url_for("pages.verify", code=code))


NO_SUCH_CODE = (
    "No certificate has this code. Check that it was typed exactly as printed on the certificate."
)


def _certificate_or_404(code: str):
    from app.certificates.queries import certificate_by_code

    refuse_if_guessing()
    certificate = certificate_by_code(code)
    if certificate is None:
        # Only misses count: verifying many real certificates is normal use.
        throttle.record("verify_address", throttle.client_address())
        abort(404, description=NO_SUCH_CODE)
    return certificate


@bp.get("/verify/<code>")
def verify(code: str):
    canonical = normalise_code(code)
    if canonical is None:
        abort(404, description=NO_SUCH_CODE)
    if canonical != code:
        return redirect(url_for("pages.verify", code=canonical), 301)
    # The download buttons point at `download`, which signs a link when one
    # is clicked: most visitors only read the page.
    return render_template("pages/verify.html", certificate=_certificate_or_404(code))


@bp.get("/verify/<code>/certificate.<kind>")
def download(code: str, kind: str):
    from app.certificates.queries import file_url

    if kind not in ("png", "pdf"):
        abort(404, description="Certificates download as certificate.png or certificate.pdf.")
    response = redirect(file_url(_certificate_or_404(code), kind))
    # The signed link expires; a cached redirect would outlive it.
    response.headers["Cache-Control"] = "no-store"
    return response
