"""What the bench scripts share: a migrated Laurel app on a throwaway database."""

from __future__ import annotations

import logging
import os
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SECRET = "bench-secret-key-that-is-long-enough-0123456789"  # noqa: S105
EMAIL, PASSWORD = "bench@example.org", "bench password 1"


def database_url_option(parser) -> None:
    """--database-url: the PostgreSQL server the bench makes its throwaway database on."""
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )


def migrated_app(url: str, folder: Path):
    """The app on `url` (migrated here) with local storage in `folder`, CSRF off."""
    from app import create_app
    from tests.databases import migrate

    migrate(url)
    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "STORAGE_URL": (folder / "storage").as_uri(),
            "CONFIG_PROBLEMS": [],
            "WTF_CSRF_ENABLED": False,
        }
    )


def signed_in_client(app):
    client = app.test_client()
    client.post("/auth/login", data={"email": EMAIL, "password": PASSWORD})
    return client


def s3_bucket_on_loopback():
    """moto's S3 server on loopback (as the tests use it), the fake credentials it
    accepts in this process's environment (children inherit them), and a new bucket:
    (server, bucket)."""
    import boto3

    from tests.s3server import FAKE_AWS_ENV, start_s3_server

    # Thousands of requests: a log line each would only slow the server down.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    for name, value in FAKE_AWS_ENV.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    server = start_s3_server()
    bucket = f"bench-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", endpoint_url=server.endpoint_url, region_name="us-east-1").create_bucket(
        Bucket=bucket
    )
    return server, bucket
