"""Throttle counters: one row per (rule, hashed client key, time window).

They live in the database, not in process memory, so that a limit holds
across gunicorn workers and serverless instances alike.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db


class ThrottleWindow(db.Model):
    __tablename__ = "throttle_windows"

    rule: so.Mapped[str] = so.mapped_column(sa.String(32), primary_key=True)
    # sha256 of the address or email: the table holds no personal data in clear.
    key: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    window_start: so.Mapped[int] = so.mapped_column(sa.BigInteger, primary_key=True)
    hits: so.Mapped[int] = so.mapped_column(sa.Integer)
    expires_at: so.Mapped[int] = so.mapped_column(sa.BigInteger, index=True)

    def __repr__(self) -> str:
        return f"<ThrottleWindow {self.rule} {self.key[:8]} {self.window_start} {self.hits}>"
