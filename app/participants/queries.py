"""Reading participants of an event the organizer owns."""

from __future__ import annotations

import sqlalchemy as sa

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
