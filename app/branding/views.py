"""Uploading, showing and removing the organizer's logo and signature, and the signer."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.branding.forms import SignerForm
from app.certificates.forms import BackgroundForm
from app.events.forms import ConfirmForm
from app.extensions import db

bp = Blueprint("branding", __name__, url_prefix="/settings/branding")
KINDS = ("logo", "signature")


@bp.before_request
@login_required
def require_login() -> None:
    """Branding is the signed-in organizer's own."""


def kind_or_404(kind: str) -> str:
    if kind not in KINDS:
        abort(404)
    return kind


def upload_prefix() -> str:
    return f"uploads/organizer-{current_user.id}/"


def render_page(status: int = 200, error: tuple[str, str] | None = None, signer=None):
    return render_template(
        "branding/branding.html",
        kinds=KINDS,
        upload=BackgroundForm(),
        confirm=ConfirmForm(),
        signer=signer or SignerForm(obj=current_user),
        error=error,
    ), status


@bp.get("/")
def edit():
    return render_page()


@bp.post("/signer")
def save_signer():
    form = SignerForm()
    if not form.validate_on_submit():
        return render_page(400, signer=form)
    current_user.signer_name = (form.signer_name.data or "").strip() or None
    current_user.signer_title = (form.signer_title.data or "").strip() or None
    db.session.commit()
    flash("Signer saved.", "success")
    return redirect(url_for("branding.edit"))


@bp.post("/upload")
def upload_url():
    from app.certificates.uploads import grant

    return grant(upload_prefix())


@bp.post("/<kind>")
def set_image(kind: str):
    from app.certificates.rendering import BackgroundBusy, BackgroundError, load_brand_image
    from app.certificates.uploads import is_upload_under, take
    from app.storage import NotFound, get_storage

    kind = kind_or_404(kind)
    form = BackgroundForm()
    key = form.key.data or ""
    if not form.validate_on_submit() or not is_upload_under(upload_prefix(), key):
        return render_page(400, (kind, "The upload was incomplete or not yours; upload again."))
    try:
        final_key = take(key, load_brand_image, f"brand/organizer-{current_user.id}/")
    except NotFound:
        return render_page(400, (kind, "The uploaded file was not found; upload it again."))
    except BackgroundError as exc:
        return render_page(400, (kind, f"That {kind} cannot be used: {exc}"))
    except BackgroundBusy as exc:
        response, status = render_page(503, (kind, str(exc)))
        return response, status, {"Retry-After": "30"}
    replaced = getattr(current_user, f"{kind}_key")
    setattr(current_user, f"{kind}_key", final_key)
    db.session.commit()
    if replaced and replaced != final_key:
        get_storage().delete(replaced)
    flash(f"{kind.capitalize()} saved: certificates issued from now on show it.", "success")
    return redirect(url_for("branding.edit"))


@bp.post("/<kind>/remove")
def remove_image(kind: str):
    from app.storage import get_storage

    kind = kind_or_404(kind)
    replaced = getattr(current_user, f"{kind}_key")
    if ConfirmForm().validate_on_submit() and replaced:
        setattr(current_user, f"{kind}_key", None)
        db.session.commit()
        get_storage().delete(replaced)
        flash(f"{kind.capitalize()} removed.", "success")
    return redirect(url_for("branding.edit"))


@bp.get("/<kind>.png")
def image(kind: str):
    """The organizer's own image, for this page (storage may be private)."""
    from app.certificates.issuing import brand_images

    png = brand_images(current_user._get_current_object()).get(kind_or_404(kind))
    if png is None:
        abort(404)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, no-store"})
