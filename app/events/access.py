"""Ownership: an organizer reaches only their own events; anything else is 404."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from app.events.models import Event
from app.extensions import db


def owned_events() -> sa.Select[tuple[Event]]:
    return sa.select(Event).where(Event.owner_id == current_user.id)


def owned_event_or_404(event_id: int) -> Event:
    event = db.session.scalar(owned_events().where(Event.id == event_id))
    if event is None:
        # 404 rather than 403: another organizer's ids are not confirmed to exist.
        abort(404, description="No such event among yours.")
    return event
