"""The HTTP API transport (Resend's official SDK, `POST /emails`) against a local server.

The SDK is pointed at the server the way it supports (`resend.api_url`, set
from EMAIL_URL's `base=`); nothing in it is patched.
"""

from __future__ import annotations

import base64
import sys
import threading
from dataclasses import replace

import pytest

from app.checker.run import check_events
from tests.mail.conftest import SENDER, mail_settings
from tests.mail.helpers import emailing_event, messages
from tests.mail.servers import ApiServer


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
        assert request["headers"]["User-Agent"].startswith("resend-python:")  # the SDK sent it
        body = request["json"]
        (to,) = body["to"]
        assert request["headers"]["Idempotency-Key"] == rows[to].idempotency_key
        assert body["from"] == f"Ada's Workshops <{SENDER}>"
        assert body["reply_to"] == "ada@organizer.example"
        certificate = db.session.get(Certificate, rows[to].certificate_id)
        assert body["subject"] == "Your certificate for Data Night"
        assert certificate.verify_url in body["text"] and certificate.verify_url in body["html"]
        (attachment,) = body["attachments"]
        assert attachment["filename"].endswith(f"{certificate.code}.pdf")
        assert attachment["content_type"] == "application/pdf"
        pdf = get_storage().get(certificate.pdf_key)
        assert base64.b64decode(attachment["content"]) == pdf
    assert {m.state for m in rows.values()} == {"sent"}
    assert check_events(budget_seconds=60).mailed == 0
    assert len(api.requests) == 2


@pytest.mark.parametrize(("status", "name"), [(422, "validation_error"), (403, "invalid_api_key")])
def test_a_rejected_request_is_recorded_not_retried(app, ctx, api, status, name):
    api.status = status
    emailing_event(1)
    result = check_events(budget_seconds=60)
    assert (result.mailed, result.mail_failed) == (0, 1)
    (message,) = messages()
    assert message.state == "failed"
    assert f"answered {status} ({name})" in message.last_error
    assert "invalid" in message.last_error  # the provider's own words


@pytest.mark.parametrize("status", [503, 500, 429, 409])
def test_a_provider_outage_a_rate_limit_or_a_concurrent_repeat_is_retried(app, ctx, api, status):
    api.status = status
    emailing_event(1)
    result = check_events(budget_seconds=60)
    assert (result.mailed, result.mail_failed) == (0, 1)
    (message,) = messages()
    assert message.state == "queued" and str(status) in message.last_error
    assert message.next_attempt_at > message.created_at  # backed off, not lost


def test_a_timeout_is_recorded_and_retried_with_the_same_key(app, ctx, api):
    api.hold = True
    app.config["MAIL"] = replace(app.config["MAIL"], timeout=1)
    emailing_event(1)
    result = check_events(budget_seconds=60)
    assert (result.mailed, result.mail_failed) == (0, 1)
    (message,) = messages()
    assert message.state == "queued" and message.attempts == 1
    assert "did not answer" in message.last_error and "timed out" in message.last_error
    (request,) = api.requests
    assert request["headers"]["Idempotency-Key"] == message.idempotency_key


def test_an_oversized_pdf_is_linked_not_attached(app, ctx, api):
    app.config["MAIL"] = replace(app.config["MAIL"], attach_limit=100)
    emailing_event(1)
    assert check_events(budget_seconds=60).mailed == 1
    (request,) = api.requests
    assert "attachments" not in request["json"]
    assert "/verify/LAU-" in request["json"]["text"]
    assert "It is attached" not in request["json"]["text"]


def test_a_sender_name_with_specials_is_quoted():
    from app.mail.building import Letter
    from app.mail.transports import send

    with ApiServer() as server:
        settings = mail_settings(f"resend://re_k@?base={server.url}")
        letter = Letter("a@b.example", "Hi", "text", None, 'Acme, "Labs"', None)
        send(letter, settings, "key-1")
    (request,) = server.requests
    assert request["json"]["from"] == f'"Acme, \\"Labs\\"" <{SENDER}>'
    assert "html" not in request["json"] and "reply_to" not in request["json"]


def test_threads_with_different_settings_each_use_their_own_key_and_server():
    """The SDK's key and base URL are process globals: concurrent sends with two
    configurations (two apps in one process) must never mix them."""
    from app.mail.building import Letter
    from app.mail.transports import send

    with ApiServer() as first, ApiServer() as second:
        for server in (first, second):
            server.delay = 0.05  # so that sends overlap
        settings = {
            first: mail_settings(f"resend://re_first@?base={first.url}&timeout=5"),
            second: mail_settings(f"resend://re_second@?base={second.url}&timeout=5"),
        }
        errors: list[BaseException] = []

        def sender(server: ApiServer, number: int) -> None:
            letter = Letter(f"p{number}@b.example", "Hi", "text", None, "Ada", None)
            try:
                send(letter, settings[server], f"key-{server.url}-{number}")
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [
            threading.Thread(target=sender, args=(server, n))
            for n in range(6)
            for server in (first, second)
        ]
        # Switching threads after every few bytecodes makes a send that set the globals
        # and one that reads them interleave (without the lock this test fails).
        interval = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
        finally:
            sys.setswitchinterval(interval)
    assert errors == []
    for server, key in ((first, "re_first"), (second, "re_second")):
        assert len(server.requests) == 6
        for request in server.requests:
            assert request["headers"]["Authorization"] == f"Bearer {key}"
            assert request["headers"]["Idempotency-Key"].startswith(f"key-{server.url}-")
