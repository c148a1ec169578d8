"""Apply a design to an event, save an event's layout as a named design, delete one."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user, login_required

from app.designs.builtin import BUILT_IN
from app.designs.forms import ApplyForm, SaveDesignForm
from app.designs.models import Design
from app.events.access import owned_event_or_404, owned_events
from app.events.forms import ConfirmForm
from app.events.models import Event
from app.extensions import db

bp = Blueprint("designs", __name__, url_prefix="/events/<int:event_id>/designs")


@bp.before_request
@login_required
def require_login() -> None:
    """Designs are the signed-in organizer's own."""


def own_designs() -> list[Design]:
    query = sa.select(Design).where(Design.owner_id == current_user.id).order_by(Design.name)
    return list(db.session.scalars(query))


def other_events(event: Event) -> list[Event]:
    query = owned_events().where(Event.id != event.id, Event.certificate_layout.is_not(None))
    return list(db.session.scalars(query.order_by(Event.starts_at.desc()).limit(100)))


def apply_form(event: Event) -> ApplyForm:
    form = ApplyForm()
    groups = {
        "Built-in": [(f"builtin:{k}", f"{d.name}: {d.description}") for k, d in BUILT_IN.items()],
        "Your designs": [(f"design:{d.id}", d.name) for d in own_designs()],
        "Your other events (layout and background)": [
            (f"event:{e.id}", e.title) for e in other_events(event)
        ],
    }
    form.source.choices = {group: choices for group, choices in groups.items() if choices}
    return form


def to_designer(event: Event):
    return redirect(url_for("design.edit", event_id=event.id))


def copy_background(source: Event, target: Event) -> None:
    """The source's background, stored again under the target's own prefix: each
    event deletes its background when it replaces it, so they never share an object."""
    from app.storage import get_storage

    replaced = target.certificate_background_key
    key = source.certificate_background_key
    copied = None
    if key:
        copied = f"templates/event-{target.id}/{key.rsplit('/', 1)[-1]}"
        if copied != replaced:
            storage = get_storage()
            storage.put(copied, storage.get(key), "image/png")
    target.certificate_background_key = copied
    db.session.commit()
    if replaced and replaced != copied:
        get_storage().delete(replaced)


@bp.post("/apply")
def apply(event_id: int):
    from app.certificates.design import event_layout, save
    from app.certificates.rendering import LayoutError

    event = owned_event_or_404(event_id)
    form = apply_form(event)
    if not form.validate_on_submit():
        flash("Choose a design from the list.", "error")
        return to_designer(event)
    kind, _, ident = form.source.data.partition(":")
    source_event = None
    if kind == "builtin":
        layout, name = BUILT_IN[ident].layout, BUILT_IN[ident].name
    elif kind == "design":
        design = db.session.get(Design, int(ident))
        layout, name = design.layout, design.name
    else:
        source_event = owned_event_or_404(int(ident))
        layout, name = source_event.certificate_layout, source_event.title
    try:
        parsed = event_layout(event, layout)
    except LayoutError as exc:
        flash(f"{name} cannot be used here: " + "; ".join(exc.messages), "error")
        return to_designer(event)
    if source_event is not None:
        copy_background(source_event, event)
    save(event, parsed)
    flash(f"Applied {name}.", "success")
    return to_designer(event)


@bp.post("/save")
def save_as(event_id: int):
    from app.certificates.issuing import event_template
    from app.certificates.rendering import layout_to_json

    event = owned_event_or_404(event_id)
    form = SaveDesignForm()
    if not form.validate_on_submit():
        flash("Give the design a name of at most 100 characters.", "error")
        return to_designer(event)
    name = form.name.data.strip()
    layout = layout_to_json(event_template(event)[0])
    query = sa.select(Design).where(Design.owner_id == current_user.id, Design.name == name)
    design = db.session.scalar(query)
    if design is None:
        db.session.add(Design(owner_id=current_user.id, name=name, layout=layout))
    else:
        design.layout = layout
    db.session.commit()
    flash(f"Saved this layout as the design {name}.", "success")
    return to_designer(event)


@bp.post("/<int:design_id>/delete")
def delete(event_id: int, design_id: int):
    event = owned_event_or_404(event_id)
    design = db.session.get(Design, design_id)
    if ConfirmForm().validate_on_submit() and design and design.owner_id == current_user.id:
        db.session.delete(design)
        db.session.commit()
        flash(f"Deleted the design {design.name}.", "success")
    return to_designer(event)
