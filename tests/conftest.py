"""Fixtures in the Flask tutorial's shape: `app`, `client`, `runner`, `auth`.

Every test that takes `app` runs on SQLite, and on PostgreSQL as well when
TEST_DATABASE_URL is set. With CI=true a missing PostgreSQL fails the run
instead of skipping it. The schema comes from the migrations, once per
session; each test then starts from empty tables.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import PostgresDatabase, migrate, sqlite_url
from tests.edge_client import CSRF_FIELD

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
DATABASES = ["sqlite", "postgresql"] if PG_URL or IN_CI else ["sqlite"]
SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture(scope="session", params=DATABASES)
def database(request, tmp_path_factory) -> Iterator[object]:
    """A migrated database for the session; yields something that can empty it."""
    if request.param == "sqlite":
        template = tmp_path_factory.mktemp("sqlite") / "template.sqlite"
        migrate(sqlite_url(template))
        yield template
        return
    if not PG_URL:
        pytest.fail("CI=true but TEST_DATABASE_URL is not set: PostgreSQL tests cannot run")
    # One database per test session, so that sessions running side by side
    # (xdist workers, two developers' runs) never share tables.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with PostgresDatabase(PG_URL, f"laurel_test_{worker}_{os.getpid()}") as pg:
        migrate(pg.url)
        yield pg


@pytest.fixture
def database_url(database, tmp_path) -> Iterator[str]:
    """A URL to an empty, migrated database for this test alone."""
    if isinstance(database, Path):
        copy = tmp_path / "laurel.sqlite"
        shutil.copyfile(database, copy)
        yield sqlite_url(copy)
    else:
        yield database.url
        database.truncate()


@pytest.fixture
def app_config(database_url, tmp_path, signing_pem) -> dict[str, object]:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "STORAGE_URL": (tmp_path / "storage").as_uri(),
        # Credentials sign with a key of the session's (never one made under instance/).
        "CREDENTIAL_SIGNING_KEY": signing_pem,
        "CONFIG_PROBLEMS": [],
    }


def pem(bits: int) -> str:
    """A new private RSA key, PEM (PKCS#8)."""
    from app.credentials.keys import new_private_pem

    return new_private_pem(bits)


@pytest.fixture(scope="session")
def signing_pem() -> str:
    return pem(2048)


@pytest.fixture
def app(app_config):
    from app import create_app
    from app.extensions import db

    app = create_app(app_config)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3 HTTP server (moto) on loopback, with fake AWS credentials."""
    from tests.s3server import running_s3_server

    with running_s3_server() as server:
        yield server.endpoint_url


@pytest.fixture(scope="session")
def s3_admin(s3_endpoint: str):
    """A plain boto3 client for arranging and inspecting S3 behind the app's back."""
    import boto3

    return boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")


@pytest.fixture
def s3_bucket(s3_admin) -> str:
    """A fresh, empty bucket."""
    name = f"laurel-{uuid.uuid4().hex[:12]}"
    s3_admin.create_bucket(Bucket=name)
    return name


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client, path: str) -> str:
    """The token a browser would post back, read from a real page."""
    page = client.get(path)
    match = CSRF_FIELD.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


class AuthActions:
    def __init__(self, app, client) -> None:
        self._app, self._client = app, client

    def create(self, email: str = "org@example.org", password: str = "correct horse 1"):
        from app.auth.accounts import create_organizer

        with self._app.app_context():
            return create_organizer(email, password).id

    def login(self, email: str = "org@example.org", password: str = "correct horse 1"):
        token = csrf_token(self._client, "/auth/login")
        return self._client.post(
            "/auth/login", data={"email": email, "password": password, "csrf_token": token}
        )

    def logout(self):
        return self._client.post(
            "/auth/logout", data={"csrf_token": csrf_token(self._client, "/events/")}
        )


@pytest.fixture
def auth(app, client) -> AuthActions:
    return AuthActions(app, client)


@pytest.fixture
def organizer(auth) -> int:
    """A signed-in organizer's id."""
    organizer_id = auth.create()
    response = auth.login()
    assert response.status_code == 302, response.get_data(as_text=True)
    return organizer_id


def pytest_collection_modifyitems(config, items) -> None:
    """`only_with(part)`: keep the parametrizations whose id names `part` and deselect the
    rest, so that a test meant for one database or backend never shows as skipped."""
    kept, dropped = [], []
    for item in items:
        marker = item.get_closest_marker("only_with")
        callspec = getattr(item, "callspec", None)
        parts = callspec.id.split("-") if callspec else []
        (dropped if marker and marker.args[0] not in parts else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_terminal_summary(terminalreporter) -> None:
    """Say how many tests ran on each database, so a run shows PostgreSQL ran."""
    counts: dict[str, dict[str, int]] = {name: {} for name in DATABASES}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            params = re.search(r"\[(.+)\]$", getattr(report, "nodeid", "") or "")
            for name in DATABASES:
                if params and name in params.group(1).split("-"):
                    counts[name][outcome] = counts[name].get(outcome, 0) + 1
    terminalreporter.section("tests per database")
    for name, by_outcome in counts.items():
        summary = ", ".join(f"{n} {outcome}" for outcome, n in by_outcome.items()) or "none"
        terminalreporter.write_line(f"{name}: {summary}")
