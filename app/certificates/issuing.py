"""Issuing one participant's certificate: render, store, then record.

The files go to deterministic keys before the row is written, so a run that
dies between the two leaves files that the next attempt overwrites, never a
row without files and never a second copy.
"""

from __future__ import annotations

import functools
import hashlib

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for

from app.certificates.codes import new_code
from app.certificates.models import Certificate
from app.database import utcnow
from app.events.models import Event
from app.extensions import db
from app.participants.models import Participant


class IssueError(RuntimeError):
    """A certificate could not be issued; the message says why."""


def certificate_keys(event_id: int, participant_id: int) -> tuple[str, str]:
    base = f"certificates/event-{event_id}/participant-{participant_id}"
    return f"{base}.png", f"{base}.pdf"


def event_date_text(event: Event) -> str:
    """The event's dates as its attendees saw them: its time zone, its language (Babel)."""
    from babel.dates import format_date, format_interval

    from app.events.languages import babel_locale

    locale = babel_locale(event.language)
    start, end = event.local(event.starts_at).date(), event.local(event.ends_at).date()
    if start == end:
        return format_date(start, format="long", locale=locale)
    return format_interval(start, end, skeleton="yMMMd", locale=locale)


def verify_url(code: str) -> str:
    base = current_app.config.get("BASE_URL")
    if base:
        return f"{base}/verify/{code}"
    if has_request_context():
        return url_for("pages.verify", code=code, _external=True)
    raise IssueError(
        "BASE_URL is not set, so a certificate issued outside a web request "
        "cannot point at its verification page; set BASE_URL."
    )


@functools.lru_cache(maxsize=16)
def _background(key: str) -> bytes:
    # Background keys are content-addressed, so a cached copy never goes stale.
    from app.storage import get_storage

    return get_storage().get(key)


def event_template(event: Event):
    """The event's parsed layout and background bytes (None: the default)."""
    from app.certificates.rendering import DEFAULT_LAYOUT, parse_layout

    layout = parse_layout(event.certificate_layout) if event.certificate_layout else DEFAULT_LAYOUT
    key = event.certificate_background_key
    return layout, (_background(key) if key else None)


def render_files(certificate: Certificate, event: Event) -> tuple[bytes, bytes]:
    """PNG and PDF of a certificate, from what its row records."""
    from app.certificates.rendering import CertificateData, render_png_pdf

    data = CertificateData(
        holder_name=certificate.holder_name,
        event_title=certificate.event_title,
        event_date=certificate.event_date,
        code=certificate.code,
        verify_url=certificate.verify_url,
        issued_at=certificate.issued_at,
        language=certificate.language,
    )
    layout, background = event_template(event)
    return render_png_pdf(data, layout, background)


def existing_certificate(participant_id: int) -> Certificate | None:
    query = sa.select(Certificate).where(Certificate.participant_id == participant_id)
    return db.session.scalar(query)


def store_files(certificate: Certificate, png: bytes, pdf: bytes) -> None:
    """Put a certificate's files under its keys (a retry overwrites them)."""
    from app.storage import get_storage

    storage = get_storage()
    storage.put(certificate.png_key, png, "image/png")
    storage.put(certificate.pdf_key, pdf, "application/pdf")


def file_digests(png: bytes, pdf: bytes) -> tuple[str, str]:
    return hashlib.sha256(png).hexdigest(), hashlib.sha256(pdf).hexdigest()


def issue_certificate(participant: Participant) -> Certificate:
    """Issue (or return the already issued) certificate of one participant.

    Adds the row to the session without committing: callers commit per batch.
    """
    if (existing := existing_certificate(participant.id)) is not None:
        return existing
    event = participant.event
    code = new_code()
    certificate = Certificate(
        participant_id=participant.id,
        event_id=event.id,
        code=code,
        holder_name=participant.name,
        event_title=event.title,
        event_date=event_date_text(event),
        language=event.language,
        issuer=event.owner.issuer_name,
        verify_url=verify_url(code),
        issued_at=utcnow().replace(microsecond=0),
    )
    png, pdf = render_files(certificate, event)
    certificate.png_key, certificate.pdf_key = certificate_keys(event.id, participant.id)
    store_files(certificate, png, pdf)
    certificate.png_sha256, certificate.pdf_sha256 = file_digests(png, pdf)
    db.session.add(certificate)
    db.session.flush()
    return certificate
