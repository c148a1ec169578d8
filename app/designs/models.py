"""Saved designs: an organizer's layouts kept under a name, to apply to any event."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.database import UTCDateTime, utcnow
from app.extensions import db


class Design(db.Model):
    __tablename__ = "designs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    owner_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organizers.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    # Canonical layout JSON (rendering/layout.py); the background stays with each event.
    layout: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("owner_id", "name", name="uq_designs_owner_name"),)

    def __repr__(self) -> str:
        return f"<Design {self.id} {self.name!r}>"
