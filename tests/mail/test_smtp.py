"""Certificates reach a real SMTP server (STARTTLS on loopback) through the outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import sqlalchemy as sa

from app.checker.run import check_events
from app.extensions import db
from tests.mail.conftest import SENDER
from tests.mail.helpers import emailing_event, messages


def test_issuing_emails_each_certificate_once_with_its_pdf(app, ctx, smtp):
    from app.certificates.models import Certificate
    from app.storage import get_storage

    emailing_event(3)
    result = check_events(budget_seconds=60)
    assert (result.issued, result.mailed, result.mail_failed) == (3, 3, 0)
    assert [m.state for m in messages()] == ["sent"] * 3

    received = {m["To"]: m for m in smtp.inbox.messages}
    certificates = db.session.scalars(sa.select(Certificate)).all()
    assert set(received) == {c.participant.email for c in certificates}
    for certificate in certificates:
        mail = received[certificate.participant.email]
        assert mail["From"] == f"Ada's Workshops <{SENDER}>"
        assert mail["Reply-To"] == "ada@organizer.example"
        assert mail["Subject"] == "Your certificate for Data Night"
        sent = parsedate_to_datetime(mail["Date"])  # RFC 5322's one required header
        assert sent.utcoffset() == timedelta(0)
        assert abs(sent - datetime.now(UTC)) < timedelta(minutes=5)
        text = mail.get_body(("plain",)).get_content()
        html = mail.get_body(("html",)).get_content()
        for body in (text, html):
            assert certificate.holder_name in body and certificate.verify_url in body
            assert "marked you as attended" in body  # why they got it
        (attachment,) = list(mail.iter_attachments())
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_filename().endswith(f"{certificate.code}.pdf")
        assert attachment.get_content() == get_storage().get(certificate.pdf_key)

    # A second run finds nothing due: nothing is sent twice.
    again = check_events(budget_seconds=60)
    assert (again.issued, again.mailed) == (0, 0)
    assert len(smtp.inbox.messages) == 3


def test_an_event_without_email_queues_nothing(app, ctx, smtp):
    emailing_event(2, email=False)
    result = check_events(budget_seconds=60)
    assert (result.issued, result.mailed) == (2, 0)
    assert messages() == [] and smtp.inbox.messages == []


def test_a_refused_address_fails_with_the_servers_reason(app, ctx, smtp):
    from app.participants.models import Participant

    _, owed = emailing_event(2)
    db.session.get(Participant, owed[0]).email = "reject-me@event.example"
    db.session.commit()
    result = check_events(budget_seconds=60)
    assert (result.issued, result.mailed, result.mail_failed) == (2, 1, 1)
    failed, sent = sorted(messages(), key=lambda m: m.state)
    assert (failed.state, sent.state) == ("failed", "sent")
    assert "550" in failed.last_error and "No such user" in failed.last_error
    assert len(smtp.inbox.messages) == 1


def test_an_oversized_pdf_is_linked_not_attached(app, ctx, smtp):
    from dataclasses import replace

    app.config["MAIL"] = replace(app.config["MAIL"], attach_limit=100)
    emailing_event(1)
    assert check_events(budget_seconds=60).mailed == 1
    (mail,) = smtp.inbox.messages
    assert list(mail.iter_attachments()) == []
    assert "It is attached" not in mail.get_body(("plain",)).get_content()
    assert "/verify/LAU-" in mail.get_body(("plain",)).get_content()


def test_a_server_that_does_not_answer_is_retried_later(app, ctx, smtp):
    from dataclasses import replace

    from tests.mail.servers import free_port

    app.config["MAIL"] = replace(app.config["MAIL"], port=free_port(), timeout=2)
    emailing_event(1)
    result = check_events(budget_seconds=60)
    assert (result.issued, result.mailed, result.mail_failed) == (1, 0, 1)
    (message,) = messages()
    assert message.state == "queued" and message.attempts == 1
    assert "did not answer" in message.last_error
    assert message.next_attempt_at > message.created_at  # backed off, not lost
