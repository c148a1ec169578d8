"""Ownership: an organizer reaches only their own events; anything else is 404."""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from app.events.models import Event
from app.extensions import db

Row = TypeVar("Row")


def owned_events() -> sa.Select[tuple[Event]]:
    return sa.select(Event).where(Event.owner_id == current_user.id)


def owned_event_or_404(event_id: int) -> Event:
    event = db.session.scalar(owned_events().where(Event.id == event_id))
    if event is None:
        # 404 rather than 403: another organizer's ids are not confirmed to exist.
        abort(404, description="No such event among yours.")
    return event


def owned_row_or_404(model: type[Row], event_id: int, row_id: int, noun: str) -> tuple[Event, Row]:
    """A row of `model` (participant, certificate) that belongs to an owned event."""
    event = owned_event_or_404(event_id)
    row: Any = db.session.get(model, row_id)
    if row is None or row.event_id != event.id:
        abort(404, description=f"No such {noun} in this event.")
    return event, row
