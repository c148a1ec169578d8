"""Password reset over HTTP, its messages received by a real SMTP server (STARTTLS)."""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import urlsplit

from tests.conftest import csrf_token
from tests.mail.helpers import messages

LINK = re.compile(r"https?://\S+/auth/reset/\S+")
FLASH = re.compile(r"A message is on its way to [^<]*")


def ask(client, email: str):
    token = csrf_token(client, "/auth/reset")
    return client.post("/auth/reset", data={"email": email, "csrf_token": token})


def body(mail) -> str:
    return mail.get_body(("plain",)).get_content()


def test_reset_link_works_once_and_unknown_addresses_look_the_same(app, client, auth, smtp):
    auth.create("ada@example.org", "old password 1")
    answers = []
    for address in ("ada@example.org", "nobody@example.org"):
        response = ask(client, address)
        page = client.get(response.location).get_data(as_text=True)
        answers.append((response.status_code, response.location, FLASH.search(page).group(0)))
    # The same answer either way (but for the address).
    assert answers[0] == (*answers[1][:2], answers[1][2].replace("nobody@", "ada@"))

    to_ada, to_nobody = smtp.inbox.messages
    assert (to_ada["To"], to_nobody["To"]) == ("ada@example.org", "nobody@example.org")
    assert to_ada["Subject"] == to_nobody["Subject"] == "Reset your Laurel password"
    assert "no account" in body(to_nobody) and not LINK.search(body(to_nobody))
    link = urlsplit(LINK.search(body(to_ada)).group(0)).path
    # The sent link is not kept in the database.
    with app.app_context():
        assert all(m.state == "sent" and m.body_text is None for m in messages())

    assert client.get(link).status_code == 200
    data = {"password": "new password 2", "confirm": "new password 2"}
    done = client.post(link, data={**data, "csrf_token": csrf_token(client, link)})
    assert done.status_code == 302 and done.location.endswith("/auth/login")
    assert auth.login("ada@example.org", "old password 1").status_code == 401
    assert auth.login("ada@example.org", "new password 2").status_code == 302
    # Used once: the new password changed the fingerprint the link was signed with.
    assert client.get(link).status_code == 404


def test_expired_forged_and_throttled_requests_are_refused_without_a_5xx(
    app, client, auth, smtp, monkeypatch
):
    import app.auth.reset as reset

    auth.create("ada@example.org", "old password 1")
    assert ask(client, "ada@example.org").status_code == 302
    link = urlsplit(LINK.search(body(smtp.inbox.messages[0])).group(0)).path
    assert client.get(link[:-3] + "AAA").status_code == 404  # forged signature
    monkeypatch.setattr(reset, "MAX_AGE_SECONDS", -1)
    assert client.get(link).status_code == 404  # expired
    # Three messages to one address an hour, known or not; then a 429 that says so.
    assert [ask(client, "ada@example.org").status_code for _ in range(3)] == [302, 302, 429]
    assert len(smtp.inbox.messages) == 3


def test_a_mail_server_that_does_not_answer_keeps_the_message_queued(app, client, auth, smtp):
    from tests.mail.servers import free_port

    app.config["MAIL"] = replace(app.config["MAIL"], port=free_port(), timeout=2)
    response = ask(client, "ada@example.org")
    assert response.status_code == 302  # the same page: the checker retries the message
    with app.app_context():
        (message,) = messages()
        assert message.state == "queued" and "did not answer" in message.last_error
        assert message.body_text  # kept until it is sent


def test_without_email_the_page_says_so(app, client):
    from app.mail.settings import MailSettings

    app.config["MAIL"] = MailSettings("off")
    page = client.get("/auth/reset")
    assert page.status_code == 200 and "EMAIL_URL is not set" in page.get_data(as_text=True)
    data = {"email": "a@b.example", "csrf_token": csrf_token(client, "/auth/login")}
    assert client.post("/auth/reset", data=data).status_code == 409
