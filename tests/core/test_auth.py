"""Signing in, CSRF, sign-up policy and `flask users create`."""

from __future__ import annotations

from tests.conftest import csrf_token


def test_sign_in_and_out(auth, client):
    auth.create()
    assert client.get("/events/").status_code == 302
    response = auth.login()
    assert response.status_code == 302 and response.headers["Location"] == "/events/"
    assert client.get("/events/").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/events/").headers["Location"].startswith("/auth/login")


def test_wrong_password_is_refused(auth, client):
    auth.create()
    response = auth.login(password="not the one")
    assert response.status_code == 401
    assert "Wrong email or password" in response.get_data(as_text=True)


def test_post_without_csrf_token_is_refused(auth, client):
    auth.create()
    response = client.post(
        "/auth/login", data={"email": "org@example.org", "password": "correct horse 1"}
    )
    assert response.status_code == 400
    assert "reload the page" in response.get_data(as_text=True)
    assert client.get("/events/").status_code == 302


def test_next_only_follows_local_paths(auth, client):
    auth.create()
    token = csrf_token(client, "/auth/login")
    data = {"email": "org@example.org", "password": "correct horse 1", "csrf_token": token}
    response = client.post("/auth/login?next=//evil.example/x", data=data)
    assert response.headers["Location"] == "/events/"


def test_signup_is_closed_by_default(client):
    response = client.get("/auth/signup")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "Ask the person who runs this Laurel site" in page
    assert "flask" not in page and "SIGNUP_OPEN" not in page  # people, not operators, read it


def test_signup_when_open(app, client):
    app.config["SIGNUP_OPEN"] = True
    token = csrf_token(client, "/auth/signup")
    bad = client.post(
        "/auth/signup",
        data={
            "email": "new@example.org",
            "password": "short",
            "confirm": "short",
            "csrf_token": token,
        },
    )
    assert bad.status_code == 400 and "at least 10" in bad.get_data(as_text=True)
    good = client.post(
        "/auth/signup",
        data={
            "email": "New@Example.org",
            "password": "long enough pw",
            "confirm": "long enough pw",
            "csrf_token": token,
        },
    )
    assert good.status_code == 302 and good.headers["Location"] == "/auth/login"
    assert client.get("/events/").status_code == 302
    login = client.post(
        "/auth/login",
        data={
            "email": "new@example.org",
            "password": "long enough pw",
            "csrf_token": csrf_token(client, "/auth/login"),
        },
    )
    assert login.status_code == 302
    assert client.get("/events/").status_code == 200


def test_cli_creates_organizer_from_stdin(runner, auth):
    result = runner.invoke(args=["users", "create", "cli@example.org"], input="a long password\n")
    assert result.exit_code == 0, result.output
    assert "Created organizer cli@example.org" in result.output
    assert auth.login("cli@example.org", "a long password").status_code == 302


def test_cli_refuses_duplicates_and_short_passwords(runner, auth):
    auth.create("dup@example.org")
    again = runner.invoke(args=["users", "create", "DUP@example.org"], input="a long password\n")
    assert again.exit_code == 1 and "exists" in again.output
    short = runner.invoke(args=["users", "create", "s@example.org"], input="short\n")
    assert short.exit_code == 1 and "at least 10" in short.output
