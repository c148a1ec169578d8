"""What the benches share: a throwaway PostgreSQL database holding one issued
certificate, and the production settings Laurel runs with.

Made the way production makes it (migrations), filled through the app's own
models; dropped on exit.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CODE = "LAU-BNCH-0000-0000-0001"
# Production settings for Laurel under a bench (DATABASE_URL is added): the
# pages measured read the database only, so storage is named but never called.
PRODUCTION_SETTINGS = {
    "LAUREL_ENV": "production",
    "SECRET_KEY": "bench-secret-key-0123456789abcdef",
    "CRON_SECRET": "bench-cron-secret-0123456789abcdef",
    "BASE_URL": "https://laurel.example",
    "STORAGE_URL": "s3://laurel-bench/certificates",
    "AWS_REGION": "us-east-1",
}


@contextmanager
def database_with_a_certificate(server_url: str) -> Iterator[tuple[str, str]]:
    """Yields (database URL, certificate code)."""
    from tests.databases import PostgresDatabase, migrate

    with PostgresDatabase(server_url, f"laurel_bench_{uuid.uuid4().hex[:10]}") as database:
        migrate(database.url)
        _insert_certificate(database.url)
        yield database.url, CODE


def _insert_certificate(url: str) -> None:
    from app import create_app
    from app.certificates.models import Certificate
    from app.database import utcnow
    from app.extensions import db
    from tests.checker.helpers import add_participants, make_event, make_organizer

    app = create_app({"DATABASE_URL": url, "TESTING": True, "CONFIG_PROBLEMS": []})
    with app.app_context():
        event_id = make_event(make_organizer("bench@example.org"), "Bench", background=False)
        (participant_id,) = add_participants(event_id, 1)
        db.session.add(
            Certificate(
                participant_id=participant_id,
                event_id=event_id,
                code=CODE,
                holder_name="Ada Lovelace",
                event_title="Bench",
                event_date="1 May 2026",
                issuer="bench@example.org",
                verify_url=f"https://laurel.example/verify/{CODE}",
                png_key=f"certificates/event-{event_id}/participant-{participant_id}.png",
                pdf_key=f"certificates/event-{event_id}/participant-{participant_id}.pdf",
                png_sha256="0" * 64,
                pdf_sha256="0" * 64,
                issued_at=utcnow(),
            )
        )
        db.session.commit()
        db.engine.dispose()
