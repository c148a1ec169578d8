"""Hostile and careless input, against the real S3 HTTP server and both databases.

The hypothesis profile is fixed: a set number of examples, derandomized, so that
a CI run is reproducible and its time bounded (LAUREL_FUZZ_EXAMPLES raises it
for a longer local hunt).
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings

from tests.core.helpers import add_participant, create_event

settings.register_profile(
    "laurel",
    max_examples=int(os.environ.get("LAUREL_FUZZ_EXAMPLES", "25")),
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.load_profile("laurel")

BASE_URL = "https://laurel.example.org"


@pytest.fixture
def app_config(app_config, request):
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = request.getfixturevalue("s3_bucket")
    app_config.update(
        BASE_URL=BASE_URL,
        STORAGE_URL=f"s3://{bucket}/laurel",
        S3_ENDPOINT_URL=endpoint,
        S3_REGION="us-east-1",
        S3_ADDRESSING_STYLE="path",
        CRON_SECRET="a-cron-secret-long-enough-for-production",
    )
    return app_config


@pytest.fixture
def event_id(client, organizer) -> int:
    event_id = create_event(client, starts_at="2024-05-02T09:00", ends_at="2024-05-02T17:00")
    add_participant(client, event_id, "Ada Lovelace", "ada@example.org")
    add_participant(client, event_id, "Absent", "absent@example.org", attended=False)
    return event_id


def row_counts(app) -> dict[str, int]:
    """Rows per table (throttle counters aside: refusals are meant to count)."""
    from app.extensions import db

    with app.app_context():
        tables = [t for t in db.metadata.sorted_tables if t.name != "throttle_windows"]
        with db.engine.connect() as connection:
            return {
                t.name: connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in tables
            }


def table_rows(app, table: str) -> list[tuple]:
    from app.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        rows = connection.execute(sa.select(db.metadata.tables[table]))
        return [tuple(r) for r in rows]


def assert_no_5xx(response, what: str) -> None:
    assert response.status_code < 500, (
        f"{what} -> {response.status_code}: {response.get_data(as_text=True)[:2000]}"
    )


def assert_helpful(response) -> None:
    """A 4xx says something beyond its status line."""
    body = response.get_data(as_text=True)
    assert len(body) > 40, body
