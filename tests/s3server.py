"""A real S3 HTTP API on loopback for tests: moto's in-process server.

Shared by every test package that needs S3. Outside CI a missing or broken
moto skips the tests that need it; with ``CI=true`` they fail instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

# Credentials moto accepts, and no profile, endpoint or config from the
# developer's machine leaking into the tests.
FAKE_AWS_ENV: dict[str, str | None] = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_SESSION_TOKEN": None,
    "AWS_SECURITY_TOKEN": None,
    "AWS_PROFILE": None,
    "AWS_REGION": None,
    "AWS_ENDPOINT_URL": None,
    "AWS_ENDPOINT_URL_S3": None,
}


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    stop: Callable[[], None]


def start_s3_server() -> S3Server:
    """Start moto's S3 server on a free loopback port."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return S3Server(endpoint_url=f"http://{host}:{port}", stop=server.stop)


def use_fake_aws_env(env: pytest.MonkeyPatch) -> None:
    for name, value in FAKE_AWS_ENV.items():
        if value is None:
            env.delenv(name, raising=False)
        else:
            env.setenv(name, value)


@contextmanager
def running_s3_server() -> Iterator[S3Server]:
    """An S3 server with fake AWS credentials in the environment, for a fixture."""
    with pytest.MonkeyPatch.context() as env:
        use_fake_aws_env(env)
        try:
            server = start_s3_server()
        except Exception as exc:
            message = f"cannot start the moto S3 server: {exc!r}"
            if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
                pytest.fail(message)
            pytest.skip(message)
        try:
            yield server
        finally:
            server.stop()
