"""Participants of an event, and whether they attended."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.database import UTCDateTime, utcnow
from app.extensions import db

if TYPE_CHECKING:
    from app.events.models import Event


class Participant(db.Model):
    __tablename__ = "participants"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    event_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    attended: so.Mapped[bool] = so.mapped_column(default=False)
    # Values of the event's custom fields, by column key (see app/participants/fields.py).
    fields: so.Mapped[dict[str, str] | None] = so.mapped_column(sa.JSON(none_as_null=True))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    event: so.Mapped[Event] = so.relationship(back_populates="participants")

    __table_args__ = (sa.UniqueConstraint("event_id", "email", name="uq_participants_event_email"),)

    def __repr__(self) -> str:
        return f"<Participant {self.id} {self.email}>"
