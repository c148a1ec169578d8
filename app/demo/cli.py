"""Local development data: never run against production."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from app.auth.accounts import create_organizer, find_organizer
from app.database import utcnow
from app.extensions import db
from app.models import Event, Participant

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "laurel-demo-2026"  # noqa: S105 - a published demo login, local only
PEOPLE = [
    ("Ada Lovelace", "ada@example.org", True),
    ("Алексей Петров", "alexey@example.org", True),
    ("Έλενα Παπαδοπούλου", "elena@example.org", True),
    ("José Álvarez-Núñez", "jose@example.org", True),
    ("Grace Hopper", "grace@example.org", False),
]

demo = AppGroup("demo", help="Demo data for local development.")


def ensure_secret_key(instance: Path) -> None:
    """Keep a development key across restarts, so sessions survive them.

    Not when SECRET_KEY is set: then the file would never be read, and a
    read-only container (compose, the image tests) has no instance/ to write.
    """
    key_file = instance / "secret_key"
    if not os.environ.get("SECRET_KEY") and not key_file.exists():
        instance.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)


@demo.command("seed")
def seed() -> None:
    """Create the demo organizer and events (idempotent)."""
    if current_app.config["PRODUCTION"]:
        raise click.ClickException("Refusing to seed demo data in production (LAUREL_ENV).")
    ensure_secret_key(Path(current_app.instance_path))
    organizer = find_organizer(DEMO_EMAIL) or create_organizer(DEMO_EMAIL, DEMO_PASSWORD)
    has_events = db.session.scalar(
        sa.select(sa.func.count(Event.id)).where(Event.owner_id == organizer.id)
    )
    if not has_events:
        now = utcnow().replace(second=0, microsecond=0)
        ended = Event(
            owner_id=organizer.id,
            title="Laurel Demo Day",
            description="A workshop that has ended: its certificates are due.",
            timezone="Europe/Berlin",
            starts_at=now - timedelta(hours=6),
            ends_at=now - timedelta(hours=1),
            status="ended",
            # The demo's local outbox shows a certificate email right after seeding.
            email_certificates=True,
        )
        upcoming = Event(
            owner_id=organizer.id,
            title="Spring Conference",
            description="Two days of talks.",
            timezone="America/New_York",
            starts_at=now + timedelta(days=30),
            ends_at=now + timedelta(days=31),
            status="scheduled",
        )
        db.session.add_all([ended, upcoming])
        db.session.flush()
        db.session.add_all(
            Participant(event_id=ended.id, name=name, email=email, attended=attended)
            for name, email, attended in PEOPLE
        )
        db.session.commit()
    click.echo(f"Demo organizer: {DEMO_EMAIL} / password: {DEMO_PASSWORD}")
