"""Organizer actions on certificates: issue one, download, revoke, ZIP."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, stream_with_context, url_for
from flask_login import login_required

from app.certificates.forms import RevokeForm
from app.certificates.issuing import IssueError, issue_certificate
from app.certificates.queries import (
    by_holder,
    certificates_by_participant,
    file_url,
    owned_certificate_or_404,
)
from app.collation import ascii_slug
from app.database import utcnow
from app.events.access import owned_event_or_404
from app.events.forms import ConfirmForm
from app.extensions import db
from app.participants.queries import owned_participant_or_404

bp = Blueprint("certificates", __name__, url_prefix="/events/<int:event_id>/certificates")
FILE_KINDS = {"png", "pdf"}


@bp.before_request
@login_required
def require_login() -> None:
    """Certificate management is for the signed-in organizer."""


def to_event(event_id: int):
    return redirect(url_for("events.detail", event_id=event_id))


@bp.post("/issue/<int:participant_id>")
def issue(event_id: int, participant_id: int):
    _, participant = owned_participant_or_404(event_id, participant_id)
    if not ConfirmForm().validate_on_submit():
        abort(400, description="The form expired: reload the page and try again.")
    if not participant.attended:
        flash(f"{participant.name} is not marked as attended; mark them first.", "error")
        return to_event(event_id)
    from app.storage import StorageError

    try:
        certificate = issue_certificate(participant)
        db.session.commit()
    except (IssueError, StorageError, ValueError) as exc:
        db.session.rollback()
        flash(f"Could not issue the certificate of {participant.name}: {exc}", "error")
    else:
        flash(f"Issued {certificate.code} to {participant.name}.", "success")
    return to_event(event_id)


@bp.get("/<int:certificate_id>.<kind>")
def download(event_id: int, certificate_id: int, kind: str):
    if kind not in FILE_KINDS:
        abort(404, description="Certificates download as .png or .pdf.")
    _, certificate = owned_certificate_or_404(event_id, certificate_id)
    return redirect(file_url(certificate, kind))


@bp.post("/<int:certificate_id>/revoke")
def revoke(event_id: int, certificate_id: int):
    _, certificate = owned_certificate_or_404(event_id, certificate_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        problems = "; ".join(e for errors in form.errors.values() for e in errors)
        flash(f"Not revoked: {problems}", "error")
        return to_event(event_id)
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = form.reason.data.strip()
    db.session.commit()
    flash(f"Revoked {certificate.code}.", "success")
    return to_event(event_id)


@bp.get("/all.zip")
def archive(event_id: int):
    from app.certificates.archive import store_zip, stream_zip
    from app.storage import get_storage
    from app.storage.local import LocalStorage

    event = owned_event_or_404(event_id)
    certificates = by_holder(certificates_by_participant(event).values())
    if not certificates:
        flash("No certificates have been issued for this event yet.", "error")
        return to_event(event_id)
    storage = get_storage()
    filename = f"{export_name(event, 'certificates')}.zip"
    if isinstance(storage, LocalStorage):
        body = stream_with_context(stream_zip(storage, certificates))
        return Response(
            body,
            mimetype="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    key = f"exports/event-{event.id}/{utcnow():%Y%m%dT%H%M%S}-certificates.zip"
    store_zip(storage, certificates, key)
    return redirect(storage.url(key, expires_in=600, filename=filename))


def export_name(event, what: str) -> str:
    """`certificates-data-night-2026-event-7`: readable, and unique per event."""
    slug = ascii_slug(event.title, 40)
    return f"{what}-{slug + '-' if slug else ''}event-{event.id}"


@bp.get("/export.csv")
def export(event_id: int):
    """Every certificate of the event: who holds it, its code, status and verify link."""
    from app.participants.csv_io import write_csv

    event = owned_event_or_404(event_id)
    body = write_csv(
        ["holder", "code", "status", "verify_url", "issued_at"],
        (
            (
                c.holder_name,
                c.code,
                "valid" if c.valid else "revoked",
                c.verify_url,
                c.issued_at.isoformat(),
            )
            for c in by_holder(certificates_by_participant(event).values())
        ),
    )
    filename = f"{export_name(event, 'certificates')}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
