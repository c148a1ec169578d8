"""Participant pages, always inside an event the organizer owns."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, url_for
from flask_login import login_required

from app.events.access import owned_event_or_404
from app.events.forms import ConfirmForm
from app.extensions import db
from app.participants.csv_io import CSVImportError, export_csv, parse_participants
from app.participants.fields import merged_keys
from app.participants.forms import ImportForm, ParticipantForm, custom_values, participant_form
from app.participants.models import Participant
from app.participants.queries import existing_emails, owned_participant_or_404, participants_of
from app.validation import normalise_email

bp = Blueprint("participants", __name__, url_prefix="/events/<int:event_id>/participants")


@bp.before_request
@login_required
def require_login() -> None:
    """Every participant page is for a signed-in organizer."""


def to_event(event_id: int):
    return redirect(url_for("events.detail", event_id=event_id))


@contextlib.contextmanager
def conflict_as_409(message: str) -> Iterator[None]:
    """Write and commit; if a concurrent request wrote the same participant first,
    undo everything and answer 409 with `message`."""
    try:
        yield
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        abort(409, description=message)


def checked_email(form: ParticipantForm, taken: set[str]) -> str | None:
    try:
        email = normalise_email(form.email.data or "")
    except ValueError as exc:
        form.email.errors.append(str(exc))
        return None
    if email in taken:
        form.email.errors.append(f"{email} is already a participant of this event.")
        return None
    return email


@bp.route("/new", methods=["GET", "POST"])
def create(event_id: int):
    event = owned_event_or_404(event_id)
    form = participant_form(event.custom_fields)
    if form.validate_on_submit() and (email := checked_email(form, existing_emails(event))):
        with conflict_as_409(
            f"{email} was added to this event by another request at the same moment. "
            "Reload the event page: the participant is there once."
        ):
            db.session.add(
                Participant(
                    event_id=event.id,
                    name=form.name.data.strip(),
                    email=email,
                    attended=form.attended.data,
                    fields=custom_values(form, event.custom_fields) or None,
                )
            )
        flash(f"Added {form.name.data.strip()}.", "success")
        return to_event(event.id)
    status = 400 if form.errors else 200
    return render_template("participants/form.html", form=form, event=event), status


@bp.route("/<int:participant_id>/edit", methods=["GET", "POST"])
def edit(event_id: int, participant_id: int):
    event, participant = owned_participant_or_404(event_id, participant_id)
    form = participant_form(event.custom_fields, obj=participant)
    taken = existing_emails(event) - {participant.email}
    if form.validate_on_submit() and (email := checked_email(form, taken)):
        with conflict_as_409(
            f"{email} became a participant of this event through another request at the "
            "same moment. Reload the event page and edit again."
        ):
            participant.name = form.name.data.strip()
            participant.email = email
            participant.attended = form.attended.data
            if event.custom_fields:
                participant.fields = custom_values(form, event.custom_fields)
        flash("Participant saved.", "success")
        return to_event(event.id)
    status = 400 if form.errors else 200
    return render_template(
        "participants/form.html", form=form, event=event, participant=participant
    ), status


@bp.post("/<int:participant_id>/delete")
def delete(event_id: int, participant_id: int):
    """Remove a participant, and the files of their (revoked) certificates.

    A valid certificate is never lost by accident: it must be revoked first.
    """
    from app.certificates.issuing import discard
    from app.certificates.models import Certificate

    _, participant = owned_participant_or_404(event_id, participant_id)
    if not ConfirmForm().validate_on_submit():
        return to_event(event_id)
    query = sa.select(Certificate).where(Certificate.participant_id == participant.id)
    certificates = list(db.session.scalars(query))
    if valid := [c.code for c in certificates if c.valid]:
        flash(
            f"{participant.name} holds the valid certificate {', '.join(valid)}; revoke it "
            "before removing them (its verify page then stops answering).",
            "error",
        )
        return to_event(event_id)
    codes = [c.code for c in certificates]
    name = participant.name
    db.session.delete(participant)
    db.session.commit()
    if codes:
        from app.storage import get_storage

        discard(codes, get_storage())
    flash(f"Removed {name}.", "success")
    return to_event(event_id)


@bp.post("/<int:participant_id>/attended")
def toggle_attended(event_id: int, participant_id: int):
    """Flip attendance: the page's script asks for JSON and updates the row in place;
    without script the browser comes back to the same row."""
    from app.certificates.issuing import current_certificate
    from app.errors.handlers import wants_json

    event, participant = owned_participant_or_404(event_id, participant_id)
    if not ConfirmForm().validate_on_submit():
        abort(400, description="The form expired: reload the page and try again.")
    participant.attended = not participant.attended
    db.session.commit()
    if wants_json():
        attended = sum(p.attended for p in participants_of(event))
        return jsonify(attended=participant.attended, attended_count=attended)
    certificate = current_certificate(participant.id)
    if certificate is not None and not participant.attended:
        state = "stays valid until you revoke it" if certificate.valid else "stays revoked"
        flash(
            f"{participant.name} is no longer marked as attended; their certificate "
            f"{certificate.code} is still listed and {state}.",
            "info",
        )
    return redirect(
        url_for("events.detail", event_id=event_id, _anchor=f"participant-{participant.id}")
    )


@bp.route("/import", methods=["GET", "POST"])
def import_csv(event_id: int):
    event = owned_event_or_404(event_id)
    form = ImportForm()
    errors: list = []
    if form.validate_on_submit():
        try:
            rows = parse_participants(form.file.data.read(), existing_emails(event))
            keys = merged_keys(event.custom_fields, list(rows[0].fields))
        except CSVImportError as exc:
            errors = exc.errors
        except ValueError as exc:
            errors = [str(exc)]
        else:
            with conflict_as_409(
                "Some of these participants were added by another request (another import "
                "of the same file?) at the same moment, so nothing from this file was "
                "imported. Reload the event page, then import again the rows still missing."
            ):
                db.session.execute(
                    sa.insert(Participant),
                    [
                        {
                            "event_id": event.id,
                            "name": r.name,
                            "email": r.email,
                            "attended": r.attended,
                            "fields": r.fields or None,
                        }
                        for r in rows
                    ],
                )
                if keys != (event.custom_fields or []):
                    event.custom_fields = keys
            flash(f"Imported {len(rows)} participants.", "success")
            return to_event(event.id)
    status = 400 if form.errors or errors else 200
    return render_template(
        "participants/import.html", form=form, event=event, errors=errors
    ), status


@bp.get("/export.csv")
def export(event_id: int):
    event = owned_event_or_404(event_id)
    body = export_csv(
        ((p.name, p.email, p.attended, p.fields) for p in participants_of(event)),
        event.custom_fields or (),
    )
    filename = f"participants-event-{event.id}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
