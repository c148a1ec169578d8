"""Credentials are made when the certificates suite's ended event issues, with a key
of the test session's own (another one plays the stranger)."""

import pytest

from tests.certificates.conftest import (
    BASE_URL,
    ended_event,  # noqa: F401 (a fixture)
)
from tests.conftest import pem


@pytest.fixture(scope="session")
def issuer_pem() -> str:
    return pem(2048)


@pytest.fixture(scope="session")
def other_pem() -> str:
    return pem(2048)


@pytest.fixture
def app_config(app_config, issuer_pem):
    app_config["BASE_URL"] = BASE_URL
    app_config["CREDENTIAL_SIGNING_KEY"] = issuer_pem
    return app_config
