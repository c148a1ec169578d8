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


# The partial index's condition, spelled as SQLAlchemy compiles `owed()`'s on each
# database, so that the planner sees the query implies it.
OWED_SQLITE = "attended IS 1 AND certified IS 0"
OWED_POSTGRESQL = "attended IS true AND certified IS false"


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
    # Has a current certificate nobody asked to replace: set by the one issuing path,
    # cleared by a re-issue request. It lets the checker's claim query read only the
    # participants still owed one (a partial index holds just those), so its cost
    # follows the due work, not the history; the query still checks the certificate
    # itself, so a stale False costs a row read, never a second certificate.
    certified: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    event: so.Mapped[Event] = so.relationship(back_populates="participants")

    __table_args__ = (
        sa.UniqueConstraint("event_id", "email", name="uq_participants_event_email"),
        sa.Index(
            "ix_participants_owed",
            "event_id",
            "id",
            sqlite_where=sa.text(OWED_SQLITE),
            postgresql_where=sa.text(OWED_POSTGRESQL),
        ),
    )

    def __repr__(self) -> str:
        return f"<Participant {self.id} {self.email}>"
