"""The organizer: the only kind of user who signs in."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from app.database import UTCDateTime, utcnow
from app.extensions import db

if TYPE_CHECKING:
    from app.branding.models import Signature
    from app.events.models import Event


class Organizer(UserMixin, db.Model):
    __tablename__ = "organizers"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    # What certificate holders see as the issuer; the email stays private.
    display_name: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    # Part of every session's and remember cookie's user id: raising it at logout
    # or password change ends all of them, on every instance, at once.
    session_version: so.Mapped[int] = so.mapped_column(default=1, server_default="1")
    # Branding (app/branding): normalised PNGs in storage under content-addressed keys,
    # placed by a layout's logo and signature fields; the signers' words are placeholders.
    logo_key: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    signatures: so.Mapped[list[Signature]] = so.relationship(
        order_by="Signature.number", cascade="all, delete-orphan", passive_deletes=True
    )

    events: so.WriteOnlyMapped[Event] = so.relationship(
        back_populates="owner", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def issuer_name(self) -> str:
        return self.display_name or self.email

    def signature(self, number: int) -> Signature | None:
        return next((s for s in self.signatures if s.number == number), None)

    def brand_keys(self) -> tuple[tuple[str, str], ...]:
        """(image name, storage key) of each uploaded branding image, as layouts name
        them: "logo", "signature" (signature 1), "signature_2"..."""
        from app.certificates.rendering.layout import signature_image

        keys = [("logo", self.logo_key)]
        keys += [(signature_image(s.number), s.image_key) for s in self.signatures]
        return tuple((name, key) for name, key in keys if key)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """Flask-Login's alternative id: `id.version.nonce`. The nonce is new for each
        sign-in (each loaded object), so no two sign-ins share a remember cookie."""
        nonce = self.__dict__.setdefault("_sign_in_nonce", secrets.token_urlsafe(9))
        return f"{self.id}.{self.session_version}.{nonce}"

    def end_sessions(self) -> None:
        """Invalidate every session and remember cookie of this organizer."""
        self.session_version += 1

    def __repr__(self) -> str:
        return f"<Organizer {self.email}>"
