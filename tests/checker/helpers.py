"""Helpers for the checker tests: bulk scenarios, subprocess runs and exactly-once checks."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import sqlalchemy as sa

from app.database import utcnow
from app.extensions import db

ROOT = Path(__file__).resolve().parents[2]
BASE_URL = "https://laurel.example"
CRON_SECRET = "cron-secret-for-tests-0123456789abcdef"
ENDED_AT = datetime(2026, 5, 1, 17, 0, tzinfo=UTC)


@cache
def small_background() -> bytes:
    """A plain 1000x707 template: the smallest accepted, so rendering is quick."""
    from PIL import Image

    from app.certificates.rendering import load_background
    from app.certificates.rendering.background import encode_png

    return load_background(encode_png(Image.new("RGB", (1000, 707), (250, 247, 238))))


def make_organizer(email: str = "checker@example.org") -> int:
    from app.auth.models import Organizer

    organizer = Organizer(email=email, password_hash="x")
    db.session.add(organizer)
    db.session.flush()
    return organizer.id


def make_event(
    owner_id: int,
    title: str = "Workshop",
    *,
    ends_at: datetime = ENDED_AT,
    status: str = "live",
    background: bool = True,
    event_id: int | None = None,
) -> int:
    """An event (by default one that ended, though its status column still says live)."""
    from app.events.models import Event
    from app.storage import get_storage

    event = Event(
        id=event_id,
        owner_id=owner_id,
        title=title,
        timezone="Europe/Berlin",
        starts_at=ends_at - timedelta(hours=8),
        ends_at=ends_at,
        status=status,
    )
    db.session.add(event)
    db.session.flush()
    if background:
        png = small_background()
        key = f"templates/event-{event.id}/{hashlib.sha256(png).hexdigest()}.png"
        get_storage().put(key, png, "image/png")
        event.certificate_background_key = key
    return event.id


def add_participants(
    event_id: int, count: int, *, attended_every: int = 1, first_id: int | None = None
) -> list[int]:
    """`count` participants; every `attended_every`-th attended (0: nobody). Returns the
    attended ids."""
    from app.participants.models import Participant

    rows = [
        {
            "event_id": event_id,
            "name": f"Participant {event_id}-{n}",
            "email": f"p{n}@event{event_id}.example",
            "attended": attended_every > 0 and n % attended_every == 0,
            "created_at": utcnow(),
            **({"id": first_id + n} if first_id is not None else {}),
        }
        for n in range(count)
    ]
    db.session.execute(sa.insert(Participant), rows)
    query = sa.select(Participant.id).where(
        Participant.event_id == event_id, Participant.attended.is_(True)
    )
    return list(db.session.scalars(query))


def seed(
    events: int, per_event: int, attended_every: int = 1, *, background: bool = True
) -> list[int]:
    """Ended events full of participants; returns the ids owed a certificate."""
    owner = make_organizer()
    owed: list[int] = []
    for number in range(events):
        event_id = make_event(owner, f"Event {number}", background=background)
        owed += add_participants(event_id, per_event, attended_every=attended_every)
    db.session.commit()
    return owed


def seed_ended_event(database_url: str, attendees: int, title: str) -> int:
    """From outside any app: a new organizer's ended event on `database_url` with
    `attendees` attended participants and the built-in template; its id. For tests
    and benches whose servers run elsewhere."""
    import uuid

    from app import create_app

    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "CONFIG_PROBLEMS": []})
    with app.app_context():
        owner = make_organizer(f"{uuid.uuid4().hex[:8]}@example.org")
        event_id = make_event(owner, title, background=False)
        add_participants(event_id, attendees)
        db.session.commit()
        db.engine.dispose()
    return event_id


def certificate_rows() -> list[tuple[int, str, str, str, str]]:
    from app.certificates.models import Certificate

    query = sa.select(
        Certificate.participant_id,
        Certificate.png_key,
        Certificate.pdf_key,
        Certificate.png_sha256,
        Certificate.pdf_sha256,
    ).where(Certificate.replaced_by_code.is_(None))
    return [tuple(row) for row in db.session.execute(query)]


def assert_exactly_once(owed: Iterable[int], *, check_digests: int | None = None) -> None:
    """Every owed participant has one current certificate, and storage holds exactly
    the objects the rows account for; the first `check_digests` rows (all if None)
    are re-rendered and read back (see `assert_storage_matches_rows`)."""
    db.session.rollback()  # a fresh snapshot
    rows = certificate_rows()
    counts = Counter(row[0] for row in rows)
    assert set(counts) == set(owed)
    assert max(counts.values(), default=1) == 1
    assert_storage_matches_rows(check_files=check_digests)


def assert_storage_matches_rows(*, check_files: int | None = None) -> None:
    """The bucket lists exactly what rows account for, and each certificate's files
    are its own: the stored PNG and PDF match the row's digests, the PNG renders
    again from the row to the same bytes, and its QR code reads the row's own
    verify link (so its code). `check_files` limits the file checks to that many
    rows (all when None)."""
    from app.certificates.models import Certificate
    from app.checker.models import IssueClaim
    from app.events.models import Event
    from app.storage import get_storage

    db.session.rollback()
    storage = get_storage()
    certificates = list(db.session.scalars(sa.select(Certificate).order_by(Certificate.id)))
    claims = list(db.session.scalars(sa.select(IssueClaim)))
    assert claims == [], f"claims left behind: {claims}"
    expected = {key for c in certificates for key in (c.png_key, c.pdf_key)}
    for c in certificates:
        assert (c.png_key, c.pdf_key) == (
            f"certificates/{c.code}.png",
            f"certificates/{c.code}.pdf",
        )
    events = list(db.session.scalars(sa.select(Event)))
    expected |= {e.certificate_background_key for e in events if e.certificate_background_key}
    listed = set(storage.list_keys())
    exports = {key for key in listed if key.startswith("exports/")}
    per_event = Counter(key.split("/")[1] for key in exports)
    assert max(per_event.values(), default=1) == 1, f"more than one export per event: {exports}"
    assert set(per_event) <= {f"event-{e.id}" for e in events}
    unaccounted = listed - expected - exports
    missing = expected - listed
    assert (unaccounted, missing) == (set(), set()), (
        f"storage does not match the rows: {len(unaccounted)} unaccounted "
        f"{sorted(unaccounted)[:6]}, {len(missing)} missing {sorted(missing)[:6]}"
    )
    for certificate in certificates[:check_files]:
        assert_files_are_its_own(certificate, storage)


def assert_files_are_its_own(certificate, storage) -> None:
    import io

    import zxingcpp
    from PIL import Image

    from app.certificates.issuing import render_files

    png = storage.get(certificate.png_key)
    assert hashlib.sha256(png).hexdigest() == certificate.png_sha256
    pdf = storage.get(certificate.pdf_key)
    assert hashlib.sha256(pdf).hexdigest() == certificate.pdf_sha256
    again, _pdf = render_files(certificate, certificate.event)
    assert hashlib.sha256(again).hexdigest() == certificate.png_sha256
    decoded = [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
    assert decoded == [certificate.verify_url]
    assert certificate.verify_url.endswith("/verify/" + certificate.code)


def process_env(config: Mapping[str, str]) -> dict[str, str]:
    """The environment for a `flask` subprocess: ours, minus platform markers, plus config."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("VERCEL", "RENDER", "RAILWAY", "FLY_", "LAUREL_", "CHECKER_"))
        and name not in ("CRON_SECRET", "STORAGE_URL", "DATABASE_URL", "S3_ENDPOINT_URL")
    }
    env.update(
        {
            "FLASK_APP": "app",
            "LAUREL_ENV": "development",
            "BASE_URL": BASE_URL,
            "SECRET_KEY": "checker-test-secret-key-0123456789abcdef",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    env.update(config)
    return env


def gunicorn_env(env: Mapping[str, str], **settings: str) -> dict[str, str]:
    """`env` for the image's gunicorn command: its own PATH (the image's, mapped here)."""
    return {**{k: v for k, v in env.items() if k != "PATH"}, **settings}


def flask_check(env: Mapping[str, str], *args: str) -> subprocess.Popen[bytes]:
    """Start `flask events check ARGS` in its own process."""
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "events", "check", *args],
        cwd=ROOT,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
