"""An event that has ended, with attended participants, on either storage backend."""

from __future__ import annotations

import re

import pytest

from tests.core.helpers import add_participant, create_event

CODE = re.compile(r"LAU(?:-[0-9A-Z]{4}){4}")
BASE_URL = "https://laurel.example.org"


@pytest.fixture(params=["local", "s3"])
def storage_kind(request) -> str:
    return request.param


@pytest.fixture
def app_config(app_config, storage_kind, request):
    app_config["BASE_URL"] = BASE_URL
    if storage_kind == "s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        bucket = request.getfixturevalue("s3_bucket")
        app_config.update(
            STORAGE_URL=f"s3://{bucket}/laurel",
            S3_ENDPOINT_URL=endpoint,
            S3_REGION="us-east-1",
            S3_ADDRESSING_STYLE="path",
        )
    return app_config


@pytest.fixture
def ended_event(client, organizer) -> int:
    event_id = create_event(
        client,
        title="Ended <b>Workshop</b>",
        starts_at="2024-05-02T09:00",
        ends_at="2024-05-02T17:00",
    )
    add_participant(client, event_id, "Ada <script>alert(1)</script>", "ada@example.org")
    add_participant(client, event_id, "Борис Пастернак", "boris@example.org")
    add_participant(client, event_id, "Absent", "absent@example.org", attended=False)
    return event_id


def storage_keys(app, prefix: str = "") -> list[str]:
    from app.storage import get_storage

    with app.app_context():
        return get_storage().list_keys(prefix)
