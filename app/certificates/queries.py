"""Finding certificates: the organizer's own, or any by public code."""

from __future__ import annotations

import functools
from collections.abc import Iterable

import sqlalchemy as sa

from app.certificates.models import Certificate
from app.collation import ascii_slug, sort_key
from app.events.access import owned_row_or_404
from app.events.models import Event
from app.extensions import db


def certificates_by_participant(event: Event) -> dict[int, Certificate]:
    """Each participant's current certificate (superseded ones are reached from it)."""
    query = sa.select(Certificate).where(
        Certificate.event_id == event.id, Certificate.replaced_by_code.is_(None)
    )
    return {c.participant_id: c for c in db.session.scalars(query)}


def superseded_of(event: Event) -> dict[int, list[Certificate]]:
    """Each participant's replaced certificates, newest first."""
    query = (
        sa.select(Certificate)
        .where(Certificate.event_id == event.id, Certificate.replaced_by_code.is_not(None))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
    result: dict[int, list[Certificate]] = {}
    for certificate in db.session.scalars(query):
        result.setdefault(certificate.participant_id, []).append(certificate)
    return result


def certificates_of(participant_ids: list[int]) -> dict[int, Certificate]:
    """The current certificates of these participants (one page of them), by participant."""
    if not participant_ids:
        return {}
    query = sa.select(Certificate).where(
        Certificate.participant_id.in_(participant_ids), Certificate.replaced_by_code.is_(None)
    )
    return {c.participant_id: c for c in db.session.scalars(query)}


def certificate_count(event: Event) -> int:
    query = sa.select(sa.func.count()).where(
        Certificate.event_id == event.id, Certificate.replaced_by_code.is_(None)
    )
    return db.session.scalar(query) or 0


def owned_certificate_or_404(event_id: int, certificate_id: int) -> tuple[Event, Certificate]:
    return owned_row_or_404(Certificate, event_id, certificate_id, "certificate")


def certificate_by_code(code: str) -> Certificate | None:
    return db.session.scalar(sa.select(Certificate).where(Certificate.code == code))


@functools.cache
def public_lookup() -> sa.Select:
    """A certificate by its code (parameter `code`) with its organizer's display
    name and logo key, which the verify page shows as the issuer: one round trip, and
    two columns of the joined rows instead of two more objects. Built once: only
    `code` changes."""
    from app.auth.models import Organizer

    return (
        sa.select(Certificate, Organizer.display_name, Organizer.logo_key)
        .join(Event, Event.id == Certificate.event_id)
        .join(Organizer, Organizer.id == Event.owner_id)
        .where(Certificate.code == sa.bindparam("code"))
    )


def file_name(holder_name: str, code: str, kind: str) -> str:
    """`certificate-jose-alvarez-LAU-….pdf`: the holder for people, the code for uniqueness."""
    slug = ascii_slug(holder_name)
    return f"certificate-{slug + '-' if slug else ''}{code}.{kind}"


def download_name(certificate: Certificate, kind: str) -> str:
    """The file name; a revoked certificate's says so, wherever the file goes next."""
    marker = "" if certificate.valid else "-REVOKED"
    return file_name(certificate.holder_name, certificate.code + marker, kind)


def by_holder(certificates: Iterable[Certificate]) -> list[Certificate]:
    return sorted(certificates, key=lambda c: (sort_key(c.holder_name), c.code))


def file_url(certificate: Certificate, kind: str) -> str:
    """A short-lived download link to the certificate's PNG or PDF."""
    from app.storage import get_storage

    key = certificate.png_key if kind == "png" else certificate.pdf_key
    return get_storage().url(key, expires_in=600, filename=download_name(certificate, kind))


def outdated_count(event: Event) -> int:
    """Current certificates whose holder's name or event title changed since issue
    (`views.outdated`, counted in the database for events of any size)."""
    from app.participants.models import Participant

    query = (
        sa.select(sa.func.count())
        .select_from(Certificate)
        .join(Participant, Participant.id == Certificate.participant_id)
        .where(
            Certificate.event_id == event.id,
            Certificate.replaced_by_code.is_(None),
            Participant.attended.is_(True),
            sa.or_(
                Certificate.holder_name != Participant.name, Certificate.event_title != event.title
            ),
        )
    )
    return db.session.scalar(query) or 0
