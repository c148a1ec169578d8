"""Organizer actions on certificates: issue or re-issue one, download, revoke, un-revoke, ZIP.

Issuing goes through the checker's one path (`check_events` limited to the
participant), under the same claims as every other trigger.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, stream_with_context, url_for
from flask_login import login_required

from app.certificates.forms import RevokeForm
from app.certificates.issuing import request_reissue
from app.certificates.models import Certificate
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
from app.events.models import Event
from app.extensions import db
from app.participants.models import Participant
from app.participants.queries import owned_participant_or_404

bp = Blueprint("certificates", __name__, url_prefix="/events/<int:event_id>/certificates")
FILE_KINDS = {"png", "pdf"}


@bp.before_request
@login_required
def require_login() -> None:
    """Certificate management is for the signed-in organizer."""


def to_event(event_id: int):
    return redirect(url_for("events.detail", event_id=event_id))


def confirmed() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400, description="The form expired: reload the page and try again.")


def run_for(event: Event, participant: Participant | None = None):
    """Issue through the checker's single path, limited to one event (or participant)."""
    from app.checker.models import Trigger
    from app.checker.run import check_events
    from app.checker.views import button_budget

    return check_events(
        event_id=event.id,
        participant_id=participant.id if participant else None,
        budget_seconds=button_budget(),
        trigger=Trigger.ISSUE.value,
        retry_failed=True,
    )


def say_result(result, name: str) -> None:
    from app.checker.failures import failures_of
    from app.checker.models import Outcome

    if result.codes:
        flash(f"Issued {', '.join(result.codes)} to {name}.", "success")
    elif result.outcome == Outcome.FAILED:
        flash(f"Could not issue the certificate of {name}: {result.error}", "error")
    elif result.held:
        flash(f"Another run is issuing the certificate of {name} now; reload shortly.", "info")
    elif result.failed:
        errors = "; ".join(f.last_error for f in failures_of(result.event_id)) or "see below"
        flash(f"Could not issue the certificate of {name}: {errors}", "error")
    else:
        flash(f"{name} has a current certificate already.", "info")


@bp.post("/issue/<int:participant_id>")
def issue(event_id: int, participant_id: int):
    from app.checker.views import refuse_unless_ended

    event, participant = owned_participant_or_404(event_id, participant_id)
    confirmed()
    if not participant.attended:
        flash(f"{participant.name} is not marked as attended; mark them first.", "error")
        return to_event(event_id)
    if (refusal := refuse_unless_ended(event)) is not None:
        return refusal
    name = participant.name
    say_result(run_for(event, participant), name)
    return to_event(event_id)


@bp.post("/<int:certificate_id>/reissue")
def reissue(event_id: int, certificate_id: int):
    """Replace a certificate (a corrected name or title, or after revocation)."""
    from app.checker.views import refuse_unless_ended

    event, certificate = owned_certificate_or_404(event_id, certificate_id)
    confirmed()
    if not certificate.current:
        flash(f"{certificate.code} was replaced by {certificate.replaced_by_code} already.", "info")
        return to_event(event_id)
    participant = certificate.participant
    if not participant.attended:
        flash(f"{participant.name} is not marked as attended; mark them first.", "error")
        return to_event(event_id)
    if (refusal := refuse_unless_ended(event)) is not None:
        return refusal
    request_reissue(certificate, utcnow())
    name = participant.name
    db.session.commit()
    say_result(run_for(event, participant), name)
    return to_event(event_id)


@bp.post("/reissue-outdated")
def reissue_outdated(event_id: int):
    """Re-issue every current certificate whose name or event title has changed since."""
    from app.checker.views import refuse_unless_ended

    event = owned_event_or_404(event_id)
    confirmed()
    if (refusal := refuse_unless_ended(event)) is not None:
        return refusal
    stale = [c for c in certificates_by_participant(event).values() if outdated(c)]
    for certificate in stale:
        request_reissue(certificate, utcnow())
    db.session.commit()
    if stale:
        result = run_for(event)
        flash(f"Re-issued {len(result.codes)} of {len(stale)} outdated certificates.", "success")
    return to_event(event_id)


def outdated(certificate: Certificate) -> bool:
    """The holder's name or the event's title changed after this certificate was issued."""
    return (
        certificate.current
        and certificate.participant.attended
        and (
            certificate.holder_name != certificate.participant.name
            or certificate.event_title != certificate.event.title
        )
    )


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
    if not certificate.valid:
        # The first revocation is the record; a second click must not rewrite it.
        flash(
            f"{certificate.code} was revoked on {certificate.revoked_at:%d %B %Y} "
            f"({certificate.revoked_reason}); that record is kept.",
            "info",
        )
        return to_event(event_id)
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = form.reason.data.strip()
    db.session.commit()
    flash(f"Revoked {certificate.code}.", "success")
    return to_event(event_id)


@bp.post("/<int:certificate_id>/unrevoke")
def unrevoke(event_id: int, certificate_id: int):
    _, certificate = owned_certificate_or_404(event_id, certificate_id)
    confirmed()
    if not certificate.current:
        flash(
            f"{certificate.code} was superseded by {certificate.replaced_by_code}; "
            "it stays revoked.",
            "error",
        )
    elif certificate.valid:
        flash(f"{certificate.code} is not revoked.", "info")
    else:
        certificate.revoked_at = certificate.revoked_reason = None
        db.session.commit()
        flash(f"{certificate.code} is valid again.", "success")
    return to_event(event_id)


@bp.get("/all.zip")
def archive(event_id: int):
    from app.certificates.archive import export_key, latest_export, store_zip, stream_zip
    from app.checker.hygiene import stamp
    from app.storage import get_storage
    from app.storage.local import LocalStorage

    event = owned_event_or_404(event_id)
    certificates = by_holder(valid_certificates(event))
    if not certificates:
        flash("This event has no valid certificates to download.", "error")
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
    key = latest_export(storage, event.id, certificates)
    if key is None:
        key = export_key(event.id, certificates, stamp(utcnow()))
        store_zip(storage, certificates, key)
        for old in storage.list_keys(f"exports/event-{event.id}/"):
            if old != key:
                storage.delete(old)
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


def valid_certificates(event: Event) -> list[Certificate]:
    """What the ZIP holds: valid certificates only (revoked ones are left out)."""
    query = (
        sa.select(Certificate)
        .where(Certificate.event_id == event.id, Certificate.revoked_at.is_(None))
        .order_by(Certificate.code)
    )
    return list(db.session.scalars(query))
