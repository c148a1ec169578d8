"""Sign-in that does not tell which emails exist; one email rule for every path."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token


def test_unknown_email_costs_a_password_hash(app, auth, client, monkeypatch):
    """Timing cannot separate unknown from known emails: both verify one hash."""
    import app.auth.accounts as accounts
    import app.auth.models as models

    auth.create()
    calls = []

    def counting(real):
        def check(hash_value, password):
            calls.append(hash_value)
            return real(hash_value, password)

        return check

    monkeypatch.setattr(accounts, "check_password_hash", counting(accounts.check_password_hash))
    monkeypatch.setattr(models, "check_password_hash", counting(models.check_password_hash))
    assert auth.login("nobody@example.org", "whatever pass").status_code == 401
    assert auth.login("org@example.org", "whatever pass").status_code == 401
    assert len(calls) == 2
    unknown, known = calls
    # The dummy uses the same method and cost as real hashes.
    assert unknown.split("$")[0] == known.split("$")[0]


def test_sign_up_does_not_reveal_existing_accounts(app, auth, client):
    app.config["SIGNUP_OPEN"] = True
    auth.create()

    def sign_up(email: str):
        return client.post(
            "/auth/signup",
            data={
                "email": email,
                "password": "another long pw",
                "confirm": "another long pw",
                "csrf_token": csrf_token(client, "/auth/signup"),
            },
        )

    answers = []
    for email in ("org@example.org", "new@example.org"):
        response = sign_up(email)
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        answers.append((response.status_code, response.headers["Location"]))
        assert f"If {email} had no account, it has one now" in page
    assert answers[0] == answers[1] == (302, "/auth/login")
    # The existing account keeps its password.
    assert auth.login("org@example.org", "correct horse 1").status_code == 302


@pytest.mark.parametrize(
    ("email", "accepted"),
    [
        ("org@example.test", True),
        ("Org@Example.ORG", True),
        ("user@localhost", False),
        ("user@printer.local", False),
        ("no-at-sign", False),
        ("two@@example.org", False),
    ],
)
def test_one_email_rule_for_cli_sign_up_and_sign_in(app, client, runner, email, accepted):
    created = runner.invoke(args=["users", "create", email], input="a long password\n")
    assert (created.exit_code == 0) is accepted, created.output
    app.config["SIGNUP_OPEN"] = True
    signup = client.post(
        "/auth/signup",
        data={
            "email": email,
            "password": "a long password",
            "confirm": "a long password",
            "csrf_token": csrf_token(client, "/auth/signup"),
        },
    )
    assert (signup.status_code == 302) is accepted, signup.get_data(as_text=True)
    signin = client.post(
        "/auth/login",
        data={
            "email": email,
            "password": "a long password",
            "csrf_token": csrf_token(client, "/auth/login"),
        },
    )
    assert (signin.status_code == 302) is accepted, signin.get_data(as_text=True)
    if not accepted:
        assert signin.status_code == 400
        assert "@" in signin.get_data(as_text=True)


def test_next_with_control_characters_or_backslash_stays_home(auth, client):
    auth.create()
    for target in ("/x\r\nSet-Cookie: a=b", "/\\evil.example", "/%0d%0aX", "/ok\x00"):
        fresh = client.application.test_client()
        token = csrf_token(fresh, "/auth/login")
        response = fresh.post(
            "/auth/login",
            query_string={"next": target},
            data={"email": "org@example.org", "password": "correct horse 1", "csrf_token": token},
        )
        assert response.status_code in (302, 400), target
        if response.status_code == 302:
            location = response.headers["Location"]
            assert "\r" not in location and "\n" not in location and "\\" not in location
            assert location.startswith("/") and not location.startswith("//")
