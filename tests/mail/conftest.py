"""Fixtures for the mail tests: an SMTP server with STARTTLS, an email API, an app using them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.checker.helpers import BASE_URL
from tests.mail.servers import ApiServer, SmtpServer

SENDER = "certificates@laurel.example"


@pytest.fixture
def smtp(tmp_path, monkeypatch) -> Iterator[SmtpServer]:
    with SmtpServer(tmp_path) as server:
        # The transport verifies the server's certificate; this one is self-signed.
        monkeypatch.setenv("SSL_CERT_FILE", str(server.ca_file))
        yield server


@pytest.fixture
def api() -> Iterator[ApiServer]:
    with ApiServer() as server:
        yield server


def mail_settings(url: str, **extra: str):
    from app.mail.settings import parse_email_url

    settings, problem = parse_email_url({"EMAIL_URL": url, "EMAIL_FROM": SENDER, **extra}, True)
    assert problem is None, problem
    return settings


@pytest.fixture
def email_url(smtp) -> str:
    return f"smtp+starttls://127.0.0.1:{smtp.port}?timeout=5"


@pytest.fixture
def app_config(app_config: dict[str, Any], email_url: str) -> dict[str, Any]:
    return {**app_config, "BASE_URL": BASE_URL, "MAIL": mail_settings(email_url)}


@pytest.fixture
def ctx(app) -> Iterator[None]:
    with app.app_context():
        yield
