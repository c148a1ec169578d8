"""The certificate designer: layout JSON with a live preview, and the background.

Backgrounds come in through `uploads` (presigned POST, checked, normalised), like the
organizer's logo and signatures.
"""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required

from app.certificates.forms import BackgroundForm, LayoutForm
from app.events.access import owned_event_or_404
from app.events.forms import ConfirmForm
from app.events.models import Event
from app.extensions import db

bp = Blueprint("design", __name__, url_prefix="/events/<int:event_id>/design")


def upload_prefix(event: Event) -> str:
    return f"uploads/event-{event.id}/"


@bp.before_request
@login_required
def require_login() -> None:
    """Designing certificates is for the signed-in organizer."""


def current_layout_json(event: Event) -> str:
    """The event's layout, indented for people to edit."""
    from app.certificates.issuing import event_template
    from app.certificates.rendering import layout_to_dict

    layout, _ = event_template(event)
    return json.dumps(layout_to_dict(layout), indent=2, sort_keys=True, ensure_ascii=False)


def render_page(
    event: Event,
    form: LayoutForm,
    errors: list[str],
    status: int = 200,
    background_error: str | None = None,
):
    from app.designs.forms import SaveDesignForm
    from app.designs.views import apply_form, own_designs

    return render_template(
        "certificates/design.html",
        event=event,
        form=form,
        errors=errors,
        background=BackgroundForm(),
        background_error=background_error,
        confirm=ConfirmForm(),
        apply=apply_form(event),
        save_design=SaveDesignForm(formdata=None),
        designs=own_designs(),
        signers=designer_signers(event),
    ), status


def designer_signers(event: Event) -> list[dict]:
    """The signatures the editor offers (signature 1 always: a plain signature field
    shows it), with their signer's placeholders."""
    from app.certificates.rendering.layout import signer_placeholders

    own = {s.number: s for s in event.owner.signatures}
    numbers = sorted({1, *own})
    return [
        {
            "number": n,
            "label": own[n].label if n in own else "Signature 1",
            "placeholders": signer_placeholders(n),
        }
        for n in numbers
    ]


def refuse_background(event: Event, message: str, status: int = 400):
    """Back to the designer, the reason shown beside the upload form."""
    form = LayoutForm(layout=current_layout_json(event))
    return render_page(event, form, [], status, background_error=message)


@bp.get("/")
def edit(event_id: int):
    event = owned_event_or_404(event_id)
    form = LayoutForm(layout=current_layout_json(event))
    return render_page(event, form, [])


def event_layout(event: Event, source):
    """`source` parsed as a layout for this event: valid, every placeholder one of its
    fields or its organizer's signers, every signature one the organizer has;
    LayoutError otherwise."""
    from app.branding.signers import missing_signatures, signer_placeholder_names
    from app.certificates.rendering import LayoutError, parse_layout, unknown_placeholders

    layout = parse_layout(source)
    known = [*(event.custom_fields or []), *signer_placeholder_names(event.owner)]
    problems = unknown_placeholders(layout, known) + missing_signatures(layout, event.owner)
    if problems:
        raise LayoutError(problems)
    return layout


def save(event: Event, layout) -> None:
    """Store the layout; say when a branding field has no image to draw yet."""
    from app.certificates.rendering import ImageField, layout_to_json

    event.certificate_layout = layout_to_json(layout)
    db.session.commit()
    flash("Layout saved.", "success")
    uploaded = dict(event.brand_keys)
    for field in {f.image: f for f in layout.fields if isinstance(f, ImageField)}.values():
        if field.image not in uploaded:
            what, upload = (
                ("logo", "a logo")
                if field.type == "logo"
                else (f"signature {field.signer}", f"an image for signature {field.signer}")
            )
            flash(
                f"The layout has a {what} field but you have not uploaded {upload}: it "
                "draws nothing until you do (Branding, in your settings).",
                "info",
            )


@bp.post("/layout")
def save_layout(event_id: int):
    from app.certificates.rendering import LayoutError

    event = owned_event_or_404(event_id)
    form = LayoutForm()
    if not form.validate_on_submit():
        return render_page(event, form, [], 400)
    try:
        layout = event_layout(event, form.layout.data)
    except LayoutError as exc:
        return render_page(event, form, exc.messages, 400)
    save(event, layout)
    return redirect(url_for("design.edit", event_id=event.id))


def sample_values(event: Event) -> dict[str, str]:
    """Placeholder values for the preview: a participant's own where there is one,
    else the field's name in brackets, so the organizer sees what goes where."""
    import sqlalchemy as sa

    from app.certificates.issuing import field_values
    from app.participants.models import Participant

    query = sa.select(Participant.fields).where(
        Participant.event_id == event.id, Participant.fields.is_not(None)
    )
    values = json.loads(field_values(event, db.session.scalar(query.limit(1))))
    return {key: value or f"[{key}]" for key, value in values.items()}


@bp.route("/preview.png", methods=["GET", "POST"])
def preview(event_id: int):
    """The saved layout (GET) or the one being edited (POST, JSON), drawn with a sample name."""
    from app.certificates.issuing import brand_images, event_date_text, event_template
    from app.certificates.rendering import LayoutError, UndrawableTextError, render_preview

    event = owned_event_or_404(event_id)
    layout, background = event_template(event)
    if request.method == "POST":
        try:
            # Not get_json(): a deeply nested body raises RecursionError, which it lets out.
            body = json.loads(request.get_data() or b"null")
        except (ValueError, RecursionError):
            body = None
        try:
            if not isinstance(body, dict) or "layout" not in body:
                raise LayoutError(
                    ['Send a JSON object {"layout": "<the layout JSON>"} as the request body.']
                )
            layout = event_layout(event, body["layout"])
        except LayoutError as exc:
            return jsonify(error="Bad Request", status=400, messages=exc.messages), 400
    try:
        png = render_preview(
            layout,
            background,
            event_title=event.title,
            event_date=event_date_text(event),
            language=event.language,
            images=brand_images(event),
            field_values=sample_values(event),
        )
    except UndrawableTextError as exc:
        # An event saved before titles were checked: say what to edit.
        return jsonify(
            error="Bad Request",
            status=400,
            messages=[f"The event's title {exc}; edit the event and retype the title."],
        ), 400
    return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})


@bp.post("/upload")
def upload_url(event_id: int):
    """Where the browser may post one background file, and for how long."""
    from app.certificates.uploads import grant

    return grant(upload_prefix(owned_event_or_404(event_id)))


@bp.post("/background")
def set_background(event_id: int):
    from app.certificates.rendering import BackgroundBusy, BackgroundError, load_background
    from app.certificates.uploads import is_upload_under, take
    from app.storage import NotFound, get_storage

    event = owned_event_or_404(event_id)
    form = BackgroundForm()
    if not form.validate_on_submit():
        return refuse_background(
            event, "The upload form expired or was incomplete: choose the file and upload again."
        )

    key = form.key.data or ""
    if not is_upload_under(upload_prefix(event), key):
        return refuse_background(
            event, "This upload does not belong to this event; upload the file again."
        )
    try:
        final_key = take(key, load_background, f"templates/event-{event.id}/")
    except NotFound:
        return refuse_background(event, "The uploaded file was not found; upload it again.")
    except BackgroundError as exc:
        return refuse_background(event, f"That background cannot be used: {exc}")
    except BackgroundBusy as exc:
        response, status = refuse_background(event, str(exc), 503)
        return response, status, {"Retry-After": "30"}
    storage = get_storage()
    replaced = event.certificate_background_key
    event.certificate_background_key = final_key
    db.session.commit()
    if replaced and replaced != final_key:
        storage.delete(replaced)
    flash("Background saved.", "success")
    return redirect(url_for("design.edit", event_id=event.id))


@bp.post("/reset")
def reset(event_id: int):
    """Back to the built-in background; the layout too only when asked (`layout=1`)."""
    from app.storage import get_storage

    event = owned_event_or_404(event_id)
    if ConfirmForm().validate_on_submit():
        replaced = event.certificate_background_key
        event.certificate_background_key = None
        reset_layout = request.form.get("layout") == "1"
        if reset_layout:
            event.certificate_layout = None
        db.session.commit()
        if replaced:
            get_storage().delete(replaced)
        what = "background and layout" if reset_layout else "background (your layout is kept)"
        flash(f"Back to the built-in {what}.", "success")
    return redirect(url_for("design.edit", event_id=event.id))
