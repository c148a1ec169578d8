"""The home page and public certificate verification."""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING, NamedTuple

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from app.certificates.codes import normalise_code
from app.extensions import db
from app.security import throttle

if TYPE_CHECKING:
    from app.certificates.models import Certificate

bp = Blueprint("pages", __name__)


@bp.get("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for("events.index"))
    return render_template("pages/home.html", signup_open=current_app.config["SIGNUP_OPEN"])


MALFORMED = "That is not a certificate code: codes look like LAU-XXXX-XXXX-XXXX-XXXX."
UNKNOWN = (
    "No certificate has the code {code}. Check that it was typed exactly as printed "
    "on the certificate, or scan its QR code."
)
RULE = "verify_address"
GUESSING = "lookups of unknown certificate codes from your address"


def not_verified(typed: str, message: str, status: int):
    """Every failed check ends on the form, with what was typed and what to do."""
    return render_template("pages/verify_form.html", typed=typed, message=message), status


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for this path on their own, whatever the page links to."""
    return current_app.send_static_file("favicon.ico")


@bp.get("/verify")
def verify_form():
    typed = request.args.get("code", "").strip()
    if not typed:
        return render_template("pages/verify_form.html", typed="")
    code = normalise_code(typed)
    if code is None:
        return not_verified(typed, MALFORMED, 400)
    if lookup(code) is None:
        return not_verified(typed, UNKNOWN.format(code=code), 404)
    return redirect(url_for("pages.verify", code=code))


@functools.cache
def lookup_statement() -> sa.Select:
    """The certificate with its issuer's display name and logo key (`public_lookup`),
    and the address's count of unknown codes riding along: a hit costs one round trip."""
    from app.certificates.queries import public_lookup

    return public_lookup().add_columns(throttle.window_hits())


class Found(NamedTuple):
    certificate: Certificate
    issuer: str  # the organizer's display name, or the certificate's recorded issuer
    logo_key: str | None


def lookup(code: str) -> Found | None:
    """The certificate with this canonical code, who issued it and their logo, or None;
    misses are throttled per address (only misses count: verifying many real
    certificates is normal use).

    An address that looked up too many unknown codes waits, whatever it asks next,
    so that codes cannot be enumerated at speed (and a 429 tells nothing).
    """
    address, now = throttle.client_address(), time.time()
    params = {"code": code, **throttle.window_params(RULE, address, now)}
    row = db.session.execute(lookup_statement(), params).first()
    if row is None:
        # A miss counts; one past the limit is refused like any later request.
        wait = throttle.attempt(RULE, address)
    else:
        wait = throttle.over_limit(RULE, row[3], now)
    if wait:
        throttle.refuse(wait, GUESSING)
    if row is None:
        return None
    certificate, display_name, logo_key, _ = row
    return Found(certificate, display_name or certificate.issuer, logo_key)


@bp.get("/verify/<code>")
def verify(code: str):
    from app.pages.sharing import linkedin_url

    canonical = normalise_code(code)
    if canonical and canonical != code:
        return redirect(url_for("pages.verify", code=canonical), 301)
    found = lookup(code) if canonical else None
    if found is None:
        return not_verified(code, UNKNOWN.format(code=code) if canonical else MALFORMED, 404)
    certificate, issuer, logo_key = found
    # The download buttons point at `download`, which signs a link when one
    # is clicked: most visitors only read the page.
    return render_template(
        "pages/verify.html",
        certificate=certificate,
        issuer=issuer,
        has_logo=logo_key is not None,
        linkedin=linkedin_url(certificate, issuer),
    )


@bp.get("/verify/<code>/issuer-logo.png")
def issuer_logo(code: str):
    """The issuing organizer's logo, served by the app: the page's CSP allows images
    from its own origin only, storage may be private (S3), and the object's key (which
    names the organizer's id) stays out of the page. Only a real code has one."""
    from flask import Response

    from app.certificates.issuing import stored_image
    from app.storage import NotFound

    found = lookup(code) if normalise_code(code) == code else None
    key = found.logo_key if found is not None else None
    if key is None:
        abort(404, description="This certificate's issuer has no logo.")
    try:
        png = stored_image(key)
    except NotFound:
        abort(404, description="This certificate's issuer has no logo.")
    response = Response(png, mimetype="image/png")
    # The key is content-addressed: its digest is a strong validator. Short-lived, as a
    # new logo replaces it under the same address.
    response.set_etag(key.rsplit("/", 1)[-1].removesuffix(".png"))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response.make_conditional(request)


@bp.get("/verify/<code>/certificate.<kind>")
def download(code: str, kind: str):
    """A stable address for the certificate's files (link previews, the verify page);
    none for a revoked certificate, whose files should not travel any further."""
    from app.certificates.queries import file_url

    if kind not in ("png", "pdf"):
        abort(404, description="Certificates download as certificate.png or certificate.pdf.")
    found = lookup(code)
    certificate = found.certificate if found else None
    if certificate is None or not certificate.valid:
        abort(404, description="This certificate has no file to show.")
    response = redirect(file_url(certificate, kind))
    # The signed link expires; a cached redirect would outlive it.
    response.headers["Cache-Control"] = "no-store"
    return response
