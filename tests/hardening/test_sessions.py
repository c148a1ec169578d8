"""Sessions end on the server: logout and password change, every cookie of the organizer."""

from __future__ import annotations

from http.cookies import SimpleCookie

from tests.conftest import csrf_token


def cookie_value(client, name: str) -> str | None:
    cookie = client.get_cookie(name)
    return cookie.value if cookie else None


def login(client, remember: bool = False, password: str = "correct horse 1"):
    data = {
        "email": "org@example.org",
        "password": password,
        "csrf_token": csrf_token(client, "/auth/login"),
    }
    if remember:
        data["remember"] = "y"
    response = client.post("/auth/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def test_copied_session_cookie_is_dead_after_logout(app, auth, client):
    auth.create()
    login(client)
    stolen = cookie_value(client, "session")
    assert client.get("/events/").status_code == 200
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/events/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_remember_cookie_is_dead_after_logout_and_fresh_per_login(app, auth, client):
    auth.create()
    login(client, remember=True)
    first = cookie_value(client, "remember_token")
    assert first
    alone = app.test_client()
    alone.set_cookie("remember_token", first)
    assert alone.get("/events/").status_code == 200, "the remember cookie signs in on its own"
    auth.logout()
    late = app.test_client()
    late.set_cookie("remember_token", first)
    assert late.get("/events/").status_code == 302
    login(client, remember=True)
    second = cookie_value(client, "remember_token")
    assert second and second != first


def test_logout_ends_the_sessions_of_other_browsers(app, auth, client):
    auth.create()
    other = app.test_client()
    login(other)
    login(client)
    auth.logout()
    assert other.get("/events/").status_code == 302


def test_password_change_ends_other_sessions_and_keeps_this_one(app, auth, client):
    auth.create()
    other = app.test_client()
    login(other, remember=True)
    remembered = cookie_value(other, "remember_token")
    login(client)
    wrong = client.post(
        "/auth/password",
        data={
            "current": "not my password",
            "password": "a brand new secret",
            "confirm": "a brand new secret",
            "csrf_token": csrf_token(client, "/auth/password"),
        },
    )
    assert wrong.status_code == 400 and "not your current password" in wrong.get_data(as_text=True)
    changed = client.post(
        "/auth/password",
        data={
            "current": "correct horse 1",
            "password": "a brand new secret",
            "confirm": "a brand new secret",
            "csrf_token": csrf_token(client, "/auth/password"),
        },
    )
    assert changed.status_code == 302
    assert client.get("/events/").status_code == 200
    assert other.get("/events/").status_code == 302
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remembered)
    assert fresh.get("/events/").status_code == 302
    assert login(app.test_client(), password="a brand new secret").status_code == 302


def test_cli_set_password_ends_sessions(app, auth, client, runner):
    auth.create()
    login(client)
    result = runner.invoke(
        args=["users", "set-password", "org@example.org"], input="another long secret\n"
    )
    assert result.exit_code == 0, result.output
    assert client.get("/events/").status_code == 302
    missing = runner.invoke(args=["users", "set-password", "nobody@example.org"], input="x" * 12)
    assert missing.exit_code != 0 and "No organizer" in missing.output


def test_cookies_are_locked_down_in_production(app_config, auth):
    from app import create_app

    app = create_app(
        {
            **app_config,
            "PRODUCTION": True,
            "SESSION_COOKIE_SECURE": True,
            "REMEMBER_COOKIE_SECURE": True,
        }
    )
    client = app.test_client()
    with app.app_context():
        from app.auth.accounts import create_organizer

        create_organizer("org@example.org", "correct horse 1")
    response = login(client, remember=True)
    cookies = {}
    for header in response.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            cookies[name] = (morsel, header.lower())
    for name in ("session", "remember_token"):
        morsel, raw = cookies[name]
        assert morsel["secure"] and morsel["httponly"], name
        assert "samesite=lax" in raw, name


def test_forged_session_ids_are_ignored(app, auth, client):
    from app.auth import load_organizer

    organizer_id = auth.create()
    with app.app_context():
        for forged in (str(organizer_id), f"{organizer_id}.2.x", "99999999999.1.x", "1.1.x\n", ""):
            assert load_organizer(forged) is None, forged
        assert load_organizer(f"{organizer_id}.1.anything") is not None
