"""Fixtures for the container tests: the linters, a fresh PostgreSQL database,
an S3 server, and a client that talks to gunicorn the way a platform's proxy
does.

The linters come from .ci/tools (installed by .ci/setup/30-containers.sh).
Outside CI a missing tool or database skips the tests that need it, saying
how to get it; with CI=true it fails them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.containers.dockerfile import ROOT
from tests.edge_client import EdgeClient

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TOOLS = ROOT / ".ci" / "tools"
SETUP = "bash .ci/setup/30-containers.sh"
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
SECRET = "container-test-secret-key-0123456789abcdef"


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


class ProxyClient(EdgeClient):
    """What a PaaS router sends gunicorn: https, the client's address, the
    server's own host (no X-Forwarded-Host)."""

    def __init__(self, base_url: str, client_ip: str = "203.0.113.7") -> None:
        super().__init__(base_url, client_ip=client_ip)


# --- the image, built once per run --------------------------------------------------


@pytest.fixture(scope="session")
def image() -> str:
    """The repository's Dockerfile built by buildah (tests/containers/podman.py),
    tagged with docker-compose.yml's image name."""
    from tests.containers import podman

    podman.require()
    seconds = podman.build(podman.IMAGE, ROOT)
    print(f"\nbuildah built {podman.IMAGE} from the Dockerfile in {seconds:.0f} s")
    return podman.IMAGE
