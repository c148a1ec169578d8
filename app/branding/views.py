"""The branding page: the organizer's logo, and their signatures (each an image, the
signer's name and title), uploaded, shown and removed."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.branding.forms import signer_form
from app.branding.models import MAX_SIGNATURES, Signature
from app.certificates.forms import BackgroundForm
from app.events.forms import ConfirmForm
from app.extensions import db

bp = Blueprint("branding", __name__, url_prefix="/settings/branding")


@bp.before_request
@login_required
def require_login() -> None:
    """Branding is the signed-in organizer's own."""


def upload_prefix() -> str:
    return f"uploads/organizer-{current_user.id}/"


def shown_signatures() -> list[Signature]:
    """The organizer's signatures; signature 1's empty slot when there are none, so that
    the first one is uploaded as it always was."""
    return list(current_user.signatures) or [Signature(number=1)]


def render_page(status: int = 200, error: tuple[str, str] | None = None, posted=None):
    """The page; `error` is (section id, message), `posted` (number, refused signer form)."""
    signatures = shown_signatures()
    forms = {s.number: signer_form(s.number, s) for s in signatures}
    if posted is not None:
        forms[posted[0]] = posted[1]
    return render_template(
        "branding/branding.html",
        upload=BackgroundForm(),
        confirm=ConfirmForm(),
        signatures=signatures,
        signer_forms=forms,
        can_add=len(current_user.signatures) < MAX_SIGNATURES,
        max_signatures=MAX_SIGNATURES,
        error=error,
    ), status


def number_or_404(number: int) -> int:
    if not 1 <= number <= MAX_SIGNATURES:
        abort(404)
    return number


def signature_slot(number: int) -> Signature:
    """The organizer's signature `number`, made (unsaved) if they have none there yet."""
    signature = current_user.signature(number_or_404(number))
    if signature is None:
        signature = Signature(number=number)
        current_user.signatures.append(signature)
    return signature


def to_page(anchor: str | None = None):
    return redirect(url_for("branding.edit", _anchor=anchor))


@bp.get("/")
def edit():
    return render_page()


@bp.post("/upload")
def upload_url():
    from app.certificates.uploads import grant

    return grant(upload_prefix())


def take_image(section: str, what: str, folder: str):
    """The confirmed upload checked and stored as a branding image under `folder` (one
    per image: two never share an object, so removing one keeps the other): (key,
    None), or (None, the page saying why not)."""
    from app.certificates.rendering import BackgroundBusy, BackgroundError, load_brand_image
    from app.certificates.uploads import is_upload_under, take
    from app.storage import NotFound

    form = BackgroundForm()
    key = form.key.data or ""

    def refuse(message: str, status: int = 400):
        return None, render_page(status, (section, message))

    if not form.validate_on_submit() or not is_upload_under(upload_prefix(), key):
        return refuse("The upload was incomplete or not yours; upload again.")
    try:
        return take(key, load_brand_image, f"brand/organizer-{current_user.id}/{folder}/"), None
    except NotFound:
        return refuse("The uploaded file was not found; upload it again.")
    except BackgroundError as exc:
        return refuse(f"That {what} cannot be used: {exc}")
    except BackgroundBusy as exc:
        response, status = render_page(503, (section, str(exc)))
        return None, (response, status, {"Retry-After": "30"})


def replace_image(holder, attribute: str, final_key: str | None) -> None:
    """Set `holder`'s image key (the organizer's logo_key, a signature's image_key) to
    `final_key`, commit, and delete the image it replaces (only this holder names it)."""
    from app.storage import get_storage

    replaced = getattr(holder, attribute)
    setattr(holder, attribute, final_key)
    db.session.commit()
    if replaced and replaced != final_key:
        get_storage().delete(replaced)


def image_response(key: str | None) -> Response:
    """One of the organizer's images, for this page (storage may be private)."""
    from app.certificates.issuing import stored_image

    if key is None:
        abort(404)
    return Response(
        stored_image(key), mimetype="image/png", headers={"Cache-Control": "private, no-store"}
    )


# --- the logo --------------------------------------------------------------------------


@bp.post("/logo")
def set_logo():
    final_key, refused = take_image("logo", "logo", "logo")
    if refused:
        return refused
    replace_image(current_user._get_current_object(), "logo_key", final_key)
    flash("Logo saved: certificates issued from now on show it.", "success")
    return to_page()


@bp.post("/logo/remove")
def remove_logo():
    if ConfirmForm().validate_on_submit() and current_user.logo_key:
        replace_image(current_user._get_current_object(), "logo_key", None)
        flash("Logo removed.", "success")
    return to_page()


@bp.get("/logo.png")
def logo():
    return image_response(current_user.logo_key)


# --- signatures ------------------------------------------------------------------------


@bp.post("/signatures/add")
def add_signature():
    """A new, empty signature in the lowest free number, for its image and signer."""
    taken = {s.number for s in current_user.signatures}
    free = [n for n in range(1, MAX_SIGNATURES + 1) if n not in taken]
    if not ConfirmForm().validate_on_submit():
        flash("The form expired: reload the page and try again.", "error")
        return to_page()
    if not free:
        flash(f"You have {MAX_SIGNATURES} signatures, the most there can be.", "error")
        return to_page()
    current_user.signatures.append(Signature(number=free[0]))
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # another tab added the same number just now
        db.session.rollback()
        flash("Another signature was added meanwhile: here it is.", "info")
        return to_page()
    flash(
        f"Signature {free[0]} added: upload its image and name its signer; the designer "
        f"places it with a signature field showing signature {free[0]}.",
        "success",
    )
    return to_page(f"signature-{free[0]}")


@bp.post("/signatures/<int:number>")
def save_signer(number: int):
    number_or_404(number)
    form = signer_form(number)
    if not form.validate_on_submit():
        return render_page(400, posted=(number, form))
    signature = signature_slot(number)
    signature.name = (form.name.data or "").strip() or None
    signature.title = (form.title.data or "").strip() or None
    db.session.commit()
    flash(f"Signer of signature {number} saved.", "success")
    return to_page(f"signature-{number}")


@bp.post("/signatures/<int:number>/image")
def set_signature_image(number: int):
    number_or_404(number)
    section = f"signature-{number}"
    final_key, refused = take_image(section, "signature", section)
    if refused:
        return refused
    replace_image(signature_slot(number), "image_key", final_key)
    flash(f"Signature {number} saved: certificates issued from now on show it.", "success")
    return to_page(f"signature-{number}")


@bp.post("/signatures/<int:number>/remove")
def remove_signature(number: int):
    """The signature, its image and its signer; layouts that place it draw nothing there."""
    from app.storage import get_storage

    signature = current_user.signature(number_or_404(number))
    if ConfirmForm().validate_on_submit() and signature is not None:
        replaced = signature.image_key
        current_user.signatures.remove(signature)
        db.session.commit()
        if replaced:
            get_storage().delete(replaced)
        flash(f"Signature {number} removed.", "success")
    return to_page()


@bp.get("/signatures/<int:number>.png")
def signature_image(number: int):
    signature = current_user.signature(number_or_404(number))
    return image_response(signature.image_key if signature else None)
