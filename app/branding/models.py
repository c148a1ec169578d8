"""An organizer's signatures: up to MAX_SIGNATURES numbered slots, each an image with
the signer's name and title. A layout's `signature` field names its slot (`signer`),
so numbers stay put when another signature is removed."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.certificates.rendering.layout import MAX_SIGNER as MAX_SIGNATURES
from app.extensions import db


class Signature(db.Model):
    __tablename__ = "signatures"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    owner_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organizers.id", ondelete="CASCADE"), index=True
    )
    # 1..MAX_SIGNATURES: signature 1 is what `{signer_name}` and a plain `signature`
    # field have always meant.
    number: so.Mapped[int] = so.mapped_column()
    # A normalised PNG in storage under a content-addressed key (app/certificates/uploads).
    image_key: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    name: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    title: so.Mapped[str | None] = so.mapped_column(sa.String(200))

    __table_args__ = (
        sa.UniqueConstraint("owner_id", "number", name="uq_signatures_owner_number"),
        sa.CheckConstraint(f"number BETWEEN 1 AND {MAX_SIGNATURES}", name="number_in_range"),
    )

    @property
    def label(self) -> str:
        """How the designer lists it: "Signature 2 (Grace Hopper)"."""
        return f"Signature {self.number}" + (f" ({self.name})" if self.name else "")

    def __repr__(self) -> str:
        return f"<Signature {self.owner_id}/{self.number}>"
