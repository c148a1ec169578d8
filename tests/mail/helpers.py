"""Helpers for the mail tests: an ended event that emails its certificates."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from tests.checker.helpers import add_participants, make_event, make_organizer


def emailing_event(count: int, *, email: bool = True) -> tuple[int, list[int]]:
    from app.auth.models import Organizer
    from app.events.models import Event

    owner = make_organizer("ada@organizer.example")
    db.session.get(Organizer, owner).display_name = "Ada's Workshops"
    event_id = make_event(owner, "Data Night")
    db.session.get(Event, event_id).email_certificates = email
    owed = add_participants(event_id, count)
    db.session.commit()
    return event_id, owed


def messages() -> list:
    from app.mail.models import OutboxMessage

    db.session.rollback()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))
