"""Issuing a certificate, in three steps that never hold a database connection across I/O.

1. A claim (see `app.checker.claims`) gives an attempt its own code and
   turns the participant and event into a `Draft`: plain data, no ORM rows.
2. `write_files` signs the draft's Open Badges credential, renders it (the
   credential baked into the PNG) and stores its PNG and PDF under keys made
   from the attempt's code, with no connection held, so two attempts never
   write the same object.
3. `record` inserts the row in a short transaction, only while the claim's
   token still holds (the fence); an attempt that loses calls `discard`.

This module is the only place that writes certificate files.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for

from app.certificates.models import Certificate
from app.events.models import Event
from app.extensions import db
from app.participants.models import Participant

SUPERSEDED = "superseded by {code}"
CLEANUP_SECONDS = 0.5
# What a certificate's files show, and what its row records besides files and state.
RENDERED = (
    "holder_name",
    "event_title",
    "event_date",
    "code",
    "verify_url",
    "issued_at",
    "language",
    "field_values",
)
RECORDED = ("participant_id", "event_id", "issuer", *RENDERED)
_BACKGROUND_CACHE = 16
_backgrounds: OrderedDict[str, bytes] = OrderedDict()
_backgrounds_lock = threading.Lock()


class IssueError(RuntimeError):
    """A certificate could not be issued; the message says why."""


def certificate_keys(code: str) -> tuple[str, str]:
    """An attempt's objects: its code is unique, so no other attempt writes them."""
    return f"certificates/{code}.png", f"certificates/{code}.pdf"


def event_date_text(event: Event) -> str:
    """The event's dates as its attendees saw them: its time zone, its language (Babel)."""
    from babel.dates import format_date, format_interval

    from app.events.languages import babel_locale

    locale = babel_locale(event.language)
    start, end = event.local(event.starts_at).date(), event.local(event.ends_at).date()
    if start == end:
        return format_date(start, format="long", locale=locale)
    return format_interval(start, end, skeleton="yMMMd", locale=locale)


def verify_base() -> str | None:
    """Where verification pages live, from BASE_URL or else the current request."""
    base = current_app.config.get("BASE_URL")
    if base:
        return f"{base}/verify/"
    if has_request_context():
        return url_for("pages.verify_form", _external=True) + "/"
    return None


def verify_url(code: str, base: str | None = None) -> str:
    base = base or verify_base()
    if base:
        return f"{base}{code}"
    raise IssueError(
        "BASE_URL is not set, so a certificate issued outside a web request "
        "cannot point at its verification page; set BASE_URL."
    )


def stored_image(key: str, storage=None) -> bytes:
    # Background, logo and signature keys are content-addressed: a cached copy never
    # goes stale.
    with _backgrounds_lock:
        if key in _backgrounds:
            _backgrounds.move_to_end(key)
            return _backgrounds[key]
    if storage is None:
        from app.storage import get_storage

        storage = get_storage()
    data = storage.get(key)
    with _backgrounds_lock:
        _backgrounds[key] = data
        while len(_backgrounds) > _BACKGROUND_CACHE:
            _backgrounds.popitem(last=False)
    return data


@functools.lru_cache(maxsize=64)
def _layout(text: str | None):
    from app.certificates.rendering import DEFAULT_LAYOUT, parse_layout

    return parse_layout(text) if text else DEFAULT_LAYOUT


def event_template(event, storage=None):
    """The parsed layout and background bytes (None: the default) of an event, or of
    anything with its two template columns (a `Draft`'s snapshot)."""
    key = event.certificate_background_key
    return _layout(event.certificate_layout), (stored_image(key, storage) if key else None)


def brand_images(source, storage=None) -> dict[str, bytes]:
    """The organizer's logo and signature PNGs that `source` (an event, a `Template`)
    names, by image name (`Organizer.brand_keys`). Their keys are content-addressed, so
    the shared cache never goes stale."""
    return {name: stored_image(key, storage) for name, key in source.brand_keys}


def field_values(event: Event, custom: dict[str, str] | None) -> str:
    """What a certificate's placeholders say beyond its columns, as its row records it:
    the participant's custom fields, the issuer and the organizer's signers."""
    from app.branding.signers import signer_values

    owner = event.owner
    custom = custom or {}
    values = {key: custom.get(key, "") for key in event.custom_fields or ()}
    values |= {"issuer": owner.issuer_name, **signer_values(owner)}
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def render_files(certificate, event, storage=None, credential=None) -> tuple[bytes, bytes]:
    """PNG and PDF of a certificate, from what its row (or draft) records. With a
    credential (the row's, unless a draft's is given) the PNG carries it baked in and
    the PDF is signed (PAdES) with the same key; without one, neither."""
    from app.certificates.rendering import CertificateData, render_png_pdf

    data = CertificateData(**{name: getattr(certificate, name) for name in RENDERED})
    layout, background = event_template(event, storage)
    png, pdf = render_png_pdf(data, layout, background, brand_images(event, storage))
    credential = credential or getattr(certificate, "credential_jws", None)
    if credential:
        from app.credentials.baking import bake
        from app.credentials.pdf_signing import pdf_signing, sign_pdf

        png = bake(png, credential)
        if signing := pdf_signing():
            pdf = sign_pdf(pdf, certificate.issued_at, *signing)
    return png, pdf


def file_digests(png: bytes, pdf: bytes) -> tuple[str, str]:
    return hashlib.sha256(png).hexdigest(), hashlib.sha256(pdf).hexdigest()


@dataclass(frozen=True)
class Template:
    certificate_layout: str | None
    certificate_background_key: str | None
    brand_keys: tuple[tuple[str, str], ...] = ()  # (image name, key), as Event's


@dataclass(frozen=True)
class Draft:
    """What one attempt will issue, read under its claim: safe to use with no session."""

    participant_id: int
    event_id: int
    code: str
    holder_name: str
    event_title: str
    event_date: str
    language: str
    issuer: str
    field_values: str
    verify_url: str
    issued_at: datetime
    template: Template
    replaces_code: str | None  # the current certificate this one supersedes
    organizer_id: int
    status_index: int | None  # its place in the revocation status list


def draft(
    participant: Participant,
    code: str,
    issued_at: datetime,
    base: str | None = None,
    status_index: int | None = None,
) -> Draft:
    """Snapshot a participant's certificate-to-be (inside the claim's transaction)."""
    event = participant.event
    current = current_certificate(participant.id)
    return Draft(
        participant_id=participant.id,
        event_id=event.id,
        code=code,
        holder_name=participant.name,
        event_title=event.title,
        event_date=event_date_text(event),
        language=event.language,
        issuer=event.owner.issuer_name,
        field_values=field_values(event, participant.fields),
        verify_url=verify_url(code, base),
        issued_at=issued_at.replace(microsecond=0),
        template=Template(
            event.certificate_layout,
            event.certificate_background_key,
            event.brand_keys,
        ),
        replaces_code=current.code if current is not None else None,
        organizer_id=event.owner_id,
        status_index=status_index,
    )


@dataclass(frozen=True)
class Files:
    png_sha256: str
    pdf_sha256: str
    credential_jws: str | None  # None while credentials are off


def write_files(item: Draft, storage) -> Files:
    """Sign, render and store the draft's files (no database access). On failure nothing
    of this attempt stays behind, as far as storage still answers within CLEANUP_SECONDS."""
    credential = sign_credential(item)
    png, pdf = render_files(item, item.template, storage, credential)
    png_key, pdf_key = certificate_keys(item.code)
    try:
        storage.put(png_key, png, "image/png")
        storage.put(pdf_key, pdf, "application/pdf")
    except Exception:
        # Briefly: storage that just failed may hang again. What stays behind has a
        # code no row holds, and the checker's orphan sweep removes it.
        discard([item.code], storage.bounded(CLEANUP_SECONDS))
        raise
    return Files(*file_digests(png, pdf), credential)


def discard(codes, storage) -> bool:
    """Delete what attempts with these codes may have stored; False if storage refused."""
    done = True
    for code in codes:
        for key in certificate_keys(code):
            try:
                storage.delete(key)
            except Exception:
                current_app.logger.warning("could not delete %s", key, exc_info=True)
                done = False
    return done


def sign_credential(item: Draft) -> str | None:
    """The certificate's Open Badges credential (None while credentials are off)."""
    from app.credentials.badge import Facts, issue

    facts = Facts(**{name: getattr(item, name) for name in Facts.__dataclass_fields__})
    return issue(facts, item.status_index)


def current_certificate(participant_id: int) -> Certificate | None:
    query = sa.select(Certificate).where(
        Certificate.participant_id == participant_id, Certificate.replaced_by_code.is_(None)
    )
    return db.session.scalar(query)


def record(item: Draft, files: Files, now: datetime) -> Certificate | None:
    """Insert the certificate (inside the caller's transaction, after the fence passed).

    Supersedes the draft's predecessor if it is still current; None when it
    is not (another attempt replaced it meanwhile): the caller discards.
    """
    if item.replaces_code is not None:
        query = sa.select(Certificate).where(
            Certificate.code == item.replaces_code, Certificate.replaced_by_code.is_(None)
        )
        if db.engine.dialect.name != "sqlite":
            query = query.with_for_update()
        previous = db.session.scalar(query)
        if previous is None:
            return None
        previous.replaced_by_code = item.code
        previous.reissue_requested_at = None
        if previous.revoked_at is None:
            previous.revoked_at = now
            previous.revoked_reason = SUPERSEDED.format(code=item.code)
        db.session.flush()
    png_key, pdf_key = certificate_keys(item.code)
    certificate = Certificate(
        **{name: getattr(item, name) for name in RECORDED},
        png_key=png_key,
        pdf_key=pdf_key,
        png_sha256=files.png_sha256,
        pdf_sha256=files.pdf_sha256,
        credential_jws=files.credential_jws,
    )
    db.session.add(certificate)
    db.session.execute(
        sa.update(Participant).where(Participant.id == item.participant_id).values(certified=True)
    )
    db.session.flush()
    return certificate


def request_reissue(certificate: Certificate, now: datetime) -> None:
    """Ask the checker for a new certificate to replace this one (the caller commits)."""
    certificate.reissue_requested_at = now
    certificate.participant.certified = False
