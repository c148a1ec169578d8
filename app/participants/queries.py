"""Reading participants of an event the organizer owns."""

from __future__ import annotations

import sqlalchemy as sa

from app.events.access import owned_row_or_404
from app.events.models import Event
from app.extensions import db
from app.participants.models import Participant


def participants_of(event: Event) -> list[Participant]:
    query = sa.select(Participant).where(Participant.event_id == event.id)
    return list(db.session.scalars(query.order_by(Participant.name, Participant.id)))


def existing_emails(event: Event) -> set[str]:
    query = sa.select(Participant.email).where(Participant.event_id == event.id)
    return set(db.session.scalars(query))


def owned_participant_or_404(event_id: int, participant_id: int) -> tuple[Event, Participant]:
    return owned_row_or_404(Participant, event_id, participant_id, "participant")
