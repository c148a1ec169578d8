"""Fixtures for the checker tests: an app that can issue, S3 on loopback, an app context."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.checker.helpers import BASE_URL, CRON_SECRET
from tests.s3server import running_s3_server


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """The suite's app settings, plus what issuing outside a request and the cron route need."""
    return {**app_config, "BASE_URL": BASE_URL, "CRON_SECRET": CRON_SECRET}


@pytest.fixture
def ctx(app) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    # Thousands of requests: a log line each would only slow the server down.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with running_s3_server() as server:
        yield server.endpoint_url


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    import boto3

    name = f"checker-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    return name


@pytest.fixture
def storage_config(request, database_url, tmp_path) -> dict[str, str]:
    """Storage for tests with several processes: S3 (moto on loopback) beside PostgreSQL,
    a local folder beside SQLite."""
    if database_url.startswith("sqlite"):
        return {"STORAGE_URL": (tmp_path / "storage").as_uri()}
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = request.getfixturevalue("s3_bucket")
    return {"STORAGE_URL": f"s3://{bucket}", "S3_ENDPOINT_URL": endpoint}
