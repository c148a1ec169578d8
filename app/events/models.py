"""Events: what an organizer runs and certifies attendance of."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.database import UTCDateTime, utcnow
from app.extensions import db

if TYPE_CHECKING:
    from app.auth.models import Organizer
    from app.participants.models import Participant


class EventStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"


def status_at(starts_at: datetime, ends_at: datetime, now: datetime) -> EventStatus:
    """The status the clock gives an event."""
    if now >= ends_at:
        return EventStatus.ENDED
    if now >= starts_at:
        return EventStatus.LIVE
    return EventStatus.SCHEDULED


class Event(db.Model):
    __tablename__ = "events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    owner_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organizers.id", ondelete="CASCADE"), index=True
    )
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    starts_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    ends_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, index=True)
    timezone: so.Mapped[str] = so.mapped_column(sa.String(64))
    # BCP 47 (e.g. "fr", "zh-Hant"): the certificate's date words, PDF language, shaping
    language: so.Mapped[str] = so.mapped_column(sa.String(35), default="en", server_default="en")
    status: so.Mapped[str] = so.mapped_column(
        sa.String(16), default=EventStatus.SCHEDULED.value, index=True
    )
    # The certificate template: a layout (JSON, see app/certificates/rendering)
    # and a background image in storage; None means the built-in default.
    certificate_layout: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # Email each certificate to its holder when it is issued (app/mail).
    email_certificates: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    certificate_background_key: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    # The participants' extra CSV columns (role, hours...), in the file's order: the
    # placeholders a layout may use beyond the built-in ones (app/participants/fields.py).
    custom_fields: so.Mapped[list[str] | None] = so.mapped_column(sa.JSON(none_as_null=True))
    # Archived: hidden from the dashboard, its certificates still verifiable.
    # An event with certificates is archived instead of deleted.
    archived_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    owner: so.Mapped[Organizer] = so.relationship(back_populates="events")
    participants: so.WriteOnlyMapped[Participant] = so.relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, moment: datetime) -> datetime:
        """A stored UTC time in the event's own time zone."""
        return moment.astimezone(self.zone)

    @property
    def brand_keys(self) -> tuple[tuple[str, str], ...]:
        """The organizer's branding images this event's certificates can show."""
        return self.owner.brand_keys()

    def clock_status(self, now: datetime) -> EventStatus:
        return status_at(self.starts_at, self.ends_at, now)

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.title!r}>"
