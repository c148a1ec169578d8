"""Reading participants of an event the organizer owns."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort

from app.collation import sort_key
from app.events.access import owned_row_or_404
from app.events.models import Event
from app.extensions import db
from app.participants.models import Participant


def participants_of(event: Event) -> list[Participant]:
    """By name as people sort them (a database's own collation puts Ç and Ł after Z)."""
    query = sa.select(Participant).where(Participant.event_id == event.id)
    rows = db.session.scalars(query.order_by(Participant.id))
    return sorted(rows, key=lambda p: sort_key(p.name))


def existing_emails(event: Event) -> set[str]:
    query = sa.select(Participant.email).where(Participant.event_id == event.id)
    return set(db.session.scalars(query))


def owned_participant_or_404(event_id: int, participant_id: int) -> tuple[Event, Participant]:
    return owned_row_or_404(Participant, event_id, participant_id, "participant")


PER_PAGE = 50
MAX_SEARCH = 200


@dataclass(frozen=True)
class Page:
    """One page of a list, and what the page links need to know."""

    items: list[Participant]
    number: int
    total: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_number(raw: str | None, name: str) -> int:
    """A page number from the query string; a 400 that says so when it is not one."""
    if raw is None or raw == "":
        return 1
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6 or int(raw) < 1:
        abort(400, description=f"{name} must be a page number from 1 to 999999, not {raw[:20]!r}.")
    return int(raw)


def search_text(raw: str | None) -> str:
    text = (raw or "").strip()
    if len(text) > MAX_SEARCH:
        abort(400, description=f"The search has {len(text)} characters; use at most {MAX_SEARCH}.")
    return text


def participant_page(event: Event, search: str, number: int, attended_only: bool = False) -> Page:
    """Participants matching `search` in name, email or certificate code, by name."""
    from app.certificates.models import Certificate

    query = sa.select(Participant).where(Participant.event_id == event.id)
    if attended_only:
        # Holders too: a certificate stays listed after its holder is unmarked.
        current = sa.select(Certificate.participant_id).where(
            Certificate.event_id == event.id, Certificate.replaced_by_code.is_(None)
        )
        query = query.where(sa.or_(Participant.attended.is_(True), Participant.id.in_(current)))
    if search:
        # One scan of the event's certificates, not a lookup per participant.
        by_code = sa.select(Certificate.participant_id).where(
            Certificate.event_id == event.id,
            Certificate.code.icontains(search, autoescape=True),
        )
        query = query.where(
            sa.or_(
                Participant.name.icontains(search, autoescape=True),
                Participant.email.icontains(search, autoescape=True),
                Participant.id.in_(by_code),
            )
        )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    last = max(1, -(-total // PER_PAGE))
    number = min(number, last)
    items = db.session.scalars(
        query.order_by(Participant.name, Participant.id)
        .limit(PER_PAGE)
        .offset((number - 1) * PER_PAGE)
    )
    return Page(list(items), number, total)


def participant_counts(event: Event) -> tuple[int, int]:
    """(participants, attended) of the event, counted by the database."""
    total, attended = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(Participant.attended.is_(True)),
        ).where(Participant.event_id == event.id)
    ).one()
    return total, attended
