"""Fixtures for the container tests: the linters, a fresh PostgreSQL database,
an S3 server, and a client that talks to gunicorn the way a platform's proxy
does.

The linters come from .ci/tools (installed by .ci/setup/30-containers.sh).
Outside CI a missing tool or database skips the tests that need it, saying
how to get it; with CI=true it fails them.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from tests.containers.dockerfile import ROOT

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TOOLS = ROOT / ".ci" / "tools"
SETUP = "bash .ci/setup/30-containers.sh"
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
SECRET = "container-test-secret-key-0123456789abcdef"
CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def unavailable(message: str) -> None:
    """Skip locally, fail in CI: CI must run every test."""
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def find_tool(name: str) -> Path:
    for folder in (TOOLS / "venv" / "bin", TOOLS / "node" / "node_modules" / ".bin"):
        if (folder / name).exists():
            return folder / name
    found = shutil.which(name)
    if found:
        return Path(found)
    unavailable(f"{name} is not installed; run `{SETUP}`")
    raise AssertionError  # unreachable


def run(args: list[str | Path], **options: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload]
        [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=options.pop("timeout", 120),
        check=False,
        **options,
    )


@pytest.fixture(scope="session")
def hadolint() -> Path:
    return find_tool("hadolint")


@pytest.fixture(scope="session")
def check_jsonschema() -> Path:
    return find_tool("check-jsonschema")


@pytest.fixture(scope="session")
def shellcheck() -> Path:
    return find_tool("shellcheck")


@pytest.fixture(scope="session")
def node_tools() -> Path:
    """.ci/tools/node: tsc, tsx and the railway SDK."""
    find_tool("tsc")
    folder = TOOLS / "node"
    if not (folder / "node_modules" / "railway" / "package.json").exists():
        unavailable(f"the railway npm package is not installed; run `{SETUP}`")
    return folder


@pytest.fixture(scope="session")
def load_yaml() -> object:
    """YAML -> Python, with anchors and merge keys, through the tools' ruamel."""
    python = TOOLS / "venv" / "bin" / "python"
    if not python.exists():
        unavailable(f"the tools environment is missing; run `{SETUP}`")
    script = (
        "import json, sys; from ruamel.yaml import YAML; "
        "print(json.dumps(YAML(typ='safe').load(open(sys.argv[1]))))"
    )

    def load(path: Path) -> object:
        result = run([python, "-c", script, path])
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    return load


_COMPOSE_VARIABLE = re.compile(r"\$\$|\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}")


def compose_interpolate(value: object) -> object:
    """A value from docker-compose.yml as compose passes it to the container,
    with no .env file: ${NAME:-default} -> default, $$ -> $."""
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            if match.group(0) == "$$":
                return "$"
            return match.group(2) or ""

        return _COMPOSE_VARIABLE.sub(replace, value)
    if isinstance(value, list):
        return [compose_interpolate(item) for item in value]
    if isinstance(value, dict):
        return {key: compose_interpolate(item) for key, item in value.items()}
    return value


# --- PostgreSQL and S3 -------------------------------------------------------------


@contextmanager
def new_empty_database() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards, as a postgres:// URL
    (the scheme platforms hand out)."""
    if not PG_URL:
        unavailable("TEST_DATABASE_URL is not set: the container tests need PostgreSQL")
    from tests.databases import PostgresDatabase

    with PostgresDatabase(PG_URL, f"laurel_containers_{uuid.uuid4().hex[:10]}") as database:
        parts = urlsplit(database.url)
        yield "postgres://" + parts.netloc + parts.path


@contextmanager
def s3_settings() -> Iterator[dict[str, str]]:
    """A new bucket on moto's S3 server, as the settings the app reads."""
    from tests.s3server import FAKE_AWS_ENV, start_s3_server

    try:
        server = start_s3_server()
    except Exception as exc:
        unavailable(f"cannot start moto's S3 server: {exc!r}")
    try:
        import boto3

        bucket = f"laurel-{uuid.uuid4().hex[:10]}"
        boto3.client(
            "s3",
            endpoint_url=server.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ).create_bucket(Bucket=bucket)
        settings = {k: v for k, v in FAKE_AWS_ENV.items() if v is not None}
        settings.update(
            STORAGE_URL=f"s3://{bucket}/certificates",
            S3_ENDPOINT_URL=server.endpoint_url,
            S3_ADDRESSING_STYLE="path",
            AWS_REGION="us-east-1",
        )
        yield settings
    finally:
        server.stop()


@pytest.fixture
def empty_database() -> Iterator[str]:
    with new_empty_database() as url:
        yield url


# --- a client that stands where the platform's proxy stands ------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> object:
        return json.loads(self.body)


class ProxyClient:
    """HTTP/1.1 to gunicorn as a TLS-terminating platform proxy sends it:
    X-Forwarded-Proto: https and X-Forwarded-For, cookies kept even when
    marked Secure (the browser saw https), no redirects followed."""

    def __init__(self, base_url: str, client_ip: str = "203.0.113.7") -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.client_ip = client_ip
        self.cookies: dict[str, str] = {}

    @property
    def origin(self) -> str:
        return f"https://{self.host}:{self.port}"

    def request(
        self,
        method: str,
        path: str,
        *,
        form: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        body = urlencode(form).encode() if form is not None else None
        sent = {
            "Host": f"{self.host}:{self.port}",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.client_ip,
            **({"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}),
            **(
                {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
                if self.cookies
                else {}
            ),
            **(headers or {}),
        }
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            result = Response(response.status, response.headers, response.read())
        finally:
            connection.close()
        for header in result.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return result

    def get(self, path: str, **options: object) -> Response:
        return self.request("GET", path, **options)  # type: ignore[arg-type]

    def post(self, path: str, **options: object) -> Response:
        return self.request("POST", path, **options)  # type: ignore[arg-type]

    def csrf_token(self, path: str) -> str:
        page = self.get(path)
        match = CSRF_FIELD.search(page.text)
        assert match, f"no CSRF token on {path} ({page.status}): {page.text[:500]}"
        return match.group(1)
