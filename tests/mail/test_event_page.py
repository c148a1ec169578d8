"""The organizer's side over HTTP: turn email on, issue, see each delivery, resend."""

from __future__ import annotations

import sqlalchemy as sa

from app.certificates.models import Certificate
from app.extensions import db
from tests.conftest import csrf_token
from tests.core.helpers import add_participant, create_event


def ended_event(client) -> int:
    event_id = create_event(
        client, title="Data Night", starts_at="2024-05-02T09:00", ends_at="2024-05-02T17:00"
    )
    add_participant(client, event_id, "Ada Lovelace", "ada@example.org")
    add_participant(client, event_id, "Refused Person", "reject-me@example.org")
    return event_id


def test_email_on_issue_then_see_sent_and_failed_and_resend(app, client, organizer, smtp):
    event_id = ended_event(client)
    page = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert 'data-email-state="off"' in page and "Send certificates by email" in page
    token = csrf_token(client, f"/events/{event_id}")
    client.post(f"/events/{event_id}/email/toggle", data={"csrf_token": token})
    assert 'data-email-state="on"' in client.get(f"/events/{event_id}").get_data(as_text=True)

    client.post(f"/events/{event_id}/issue-now", data={"csrf_token": token})
    page = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert page.count('data-delivery="sent"') == 1
    assert page.count('data-delivery="failed"') == 1 and "No such user here" in page
    assert [m["To"] for m in smtp.inbox.messages] == ["ada@example.org"]

    # Resending all sends only what has not arrived; resending one sends it again.
    response = client.post(f"/events/{event_id}/email/send", data={"csrf_token": token})
    assert response.status_code == 302
    assert len(smtp.inbox.messages) == 1  # the refused address is refused again
    with app.app_context():
        certificate_id = db.session.scalar(
            sa.select(Certificate.id).where(Certificate.holder_name == "Ada Lovelace")
        )
    client.post(
        f"/events/{event_id}/email/send",
        data={"csrf_token": token, "certificate_id": certificate_id},
    )
    assert len(smtp.inbox.messages) == 2


def test_send_for_another_event_or_a_bad_id_is_a_4xx(app, client, organizer, smtp):
    event_id = ended_event(client)
    token = csrf_token(client, f"/events/{event_id}")
    bad = client.post(
        f"/events/{event_id}/email/send", data={"csrf_token": token, "certificate_id": "999"}
    )
    assert bad.status_code == 404
    assert (
        client.post(f"/events/{event_id + 99}/email/toggle", data={"csrf_token": token}).status_code
        == 404
    )
    assert client.post(f"/events/{event_id}/email/toggle").status_code == 400


def test_the_event_page_says_when_email_is_off(app, client, organizer, smtp):
    from app.mail.settings import MailSettings

    app.config["MAIL"] = MailSettings("off")
    event_id = ended_event(client)
    page = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert "Email is off: EMAIL_URL is not set" in page
    token = csrf_token(client, f"/events/{event_id}")
    assert (
        client.post(f"/events/{event_id}/email/send", data={"csrf_token": token}).status_code == 409
    )
