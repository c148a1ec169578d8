"""The demo (scripts/run.sh's steps): a sent certificate email is in the local outbox."""

from __future__ import annotations

import pytest

from app.demo.cli import DEMO_EMAIL, DEMO_PASSWORD


@pytest.fixture
def email_url() -> str:
    return "outbox://"


# The demo runs on SQLite (scripts/run.sh); PostgreSQL adds nothing here.
@pytest.mark.only_with("sqlite")
def test_seed_then_check_shows_sent_certificate_emails(app, runner, auth):
    for command in (["demo", "seed"], ["events", "check"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, result.output
    assert "emailed 4 (0 send attempts failed)" in result.output
    assert auth.login(DEMO_EMAIL, DEMO_PASSWORD).status_code == 302
    page = auth._client.get("/outbox").get_data(as_text=True)
    assert page.count('data-delivery="sent"') == 4
    assert "Your certificate for Laurel Demo Day" in page and "Ada Lovelace" in page
    assert ".pdf (" in page  # the PDF is attached
