"""The HTTP API transport (Resend's `POST /emails`) against a local server."""

from __future__ import annotations

import base64

import pytest

from app.checker.run import check_events
from tests.mail.conftest import SENDER
from tests.mail.helpers import emailing_event, messages


@pytest.fixture
def email_url(api) -> str:
    return f"resend://re_test_key@?base={api.url}&timeout=5"


def test_each_message_is_posted_once_with_its_idempotency_key(app, ctx, api):
    from app.certificates.models import Certificate
    from app.extensions import db
    from app.storage import get_storage

    emailing_event(2)
    result = check_events(budget_seconds=60)
    assert (result.issued, result.mailed) == (2, 2)
    rows = {m.to_address: m for m in messages()}
    assert len(api.requests) == 2
    for request in api.requests:
        assert request["path"] == "/emails"
        assert request["headers"]["Authorization"] == "Bearer re_test_key"
        body = request["json"]
        (to,) = body["to"]
        assert request["headers"]["Idempotency-Key"] == rows[to].idempotency_key
        assert body["from"] == f"Ada's Workshops <{SENDER}>"
        assert body["reply_to"] == "ada@organizer.example"
        certificate = db.session.get(Certificate, rows[to].certificate_id)
        assert certificate.verify_url in body["text"] and certificate.verify_url in body["html"]
        (attachment,) = body["attachments"]
        pdf = get_storage().get(certificate.pdf_key)
        assert base64.b64decode(attachment["content"]) == pdf
    assert check_events(budget_seconds=60).mailed == 0
    assert len(api.requests) == 2


def test_a_rejected_request_is_recorded_not_retried(app, ctx, api):
    api.status = 422
    emailing_event(1)
    result = check_events(budget_seconds=60)
    assert (result.mailed, result.mail_failed) == (0, 1)
    (message,) = messages()
    assert message.state == "failed"
    assert "422" in message.last_error and "invalid" in message.last_error


def test_a_provider_outage_is_retried(app, ctx, api):
    api.status = 503
    emailing_event(1)
    check_events(budget_seconds=60)
    (message,) = messages()
    assert message.state == "queued" and "503" in message.last_error
