"""Throttling with its counters in the database: 429, Retry-After and a message."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token

SMALL = {
    "signin_account": (3, 900),
    "signin_address": (6, 900),
    "signup_address": (2, 3600),
    "cron_address": (3, 600),
    "verify_address": (4, 60),
}


@pytest.fixture
def app_config(app_config):
    app_config["THROTTLE"] = SMALL
    return app_config


def sign_in(client, password: str, email: str = "org@example.org", address="10.0.0.1"):
    return client.post(
        "/auth/login",
        data={
            "email": email,
            "password": password,
            "csrf_token": csrf_token(client, "/auth/login"),
        },
        environ_base={"REMOTE_ADDR": address},
    )


def assert_throttled(response, words: str) -> None:
    assert response.status_code == 429, response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    body = response.get_data(as_text=True)
    assert words in body and "try again" in body


def test_wrong_passwords_lock_the_account_even_for_the_right_one(auth, client):
    auth.create()
    for _ in range(3):
        assert sign_in(client, "wrong password!").status_code == 401
    assert_throttled(sign_in(client, "correct horse 1"), "sign-in attempts")
    # From another address too: the limit is the account's.
    assert_throttled(sign_in(client, "correct horse 1", address="10.9.9.9"), "sign-in attempts")
    assert client.get("/events/").status_code == 302


def test_one_address_is_limited_across_accounts(auth, client):
    auth.create()
    for number in range(6):
        response = sign_in(client, "wrong password!", email=f"x{number}@example.org")
        assert response.status_code == 401
    assert_throttled(sign_in(client, "correct horse 1"), "sign-in attempts")
    assert sign_in(client, "correct horse 1", address="10.0.0.2").status_code == 302


def test_counters_live_in_the_database_not_the_process(app_config, auth, client):
    """Two app instances (two workers, two serverless instances) share the limit."""
    from app import create_app

    auth.create()
    other = create_app(app_config).test_client()
    assert sign_in(client, "wrong password!").status_code == 401
    assert sign_in(other, "wrong password!").status_code == 401
    assert sign_in(client, "wrong password!").status_code == 401
    assert_throttled(sign_in(other, "correct horse 1"), "sign-in attempts")


def test_wrong_cron_bearers_are_throttled_per_address(client, app_config):
    for _ in range(3):
        wrong = client.get(
            "/api/cron/check-events",
            headers={"Authorization": "Bearer guess"},
            environ_base={"REMOTE_ADDR": "10.0.0.7"},
        )
        assert wrong.status_code == 401
    throttled = client.get(
        "/api/cron/check-events",
        headers={"Authorization": "Bearer another guess"},
        environ_base={"REMOTE_ADDR": "10.0.0.7"},
    )
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    assert "cron secret" in throttled.get_json()["message"]
    # The right secret is never held up: it goes straight to the run, which its budget
    # bounds (a throttle read first could hang on a stalled database). Guessing a secret
    # of 24+ characters (required in production) gains nothing from that answer.
    right = client.get(
        "/api/cron/check-events",
        headers={"Authorization": "Bearer " + app_config["CRON_SECRET"]},
        environ_base={"REMOTE_ADDR": "10.0.0.7"},
    )
    assert right.status_code == 200


def test_unknown_code_lookups_are_throttled_per_address(client):
    for _ in range(4):
        response = client.get(
            "/verify/LAU-AAAA-AAAA-AAAA-AAAA", environ_base={"REMOTE_ADDR": "10.0.0.3"}
        )
        assert response.status_code == 404
    for path in (
        "/verify/LAU-AAAA-AAAA-AAAA-AAAB",
        "/verify/LAU-AAAA-AAAA-AAAA-AAAB/certificate.pdf",
    ):
        assert_throttled(
            client.get(path, environ_base={"REMOTE_ADDR": "10.0.0.3"}), "unknown certificate codes"
        )
    other = client.get("/verify/LAU-AAAA-AAAA-AAAA-AAAA", environ_base={"REMOTE_ADDR": "10.0.0.4"})
    assert other.status_code == 404


def test_real_certificates_can_be_verified_again_and_again(app, client, event_id):
    """Only unknown codes count: an employer checking many real certificates is fine."""
    from tests.hardening.test_event_page import add_certificate

    code = add_certificate(app)
    for _ in range(10):
        response = client.get(f"/verify/{code}", environ_base={"REMOTE_ADDR": "10.0.0.5"})
        assert response.status_code == 200


def test_a_guessing_address_waits_for_real_certificates_too(app, client, event_id):
    """Else a 429 for unknown codes and a 200 for real ones would tell them apart
    at full speed: the limit's whole point."""
    from tests.hardening.test_event_page import add_certificate

    code = add_certificate(app)
    guesser = {"REMOTE_ADDR": "10.0.0.8"}
    assert client.get(f"/verify/{code}", environ_base=guesser).status_code == 200
    for _ in range(4):
        response = client.get("/verify/LAU-AAAA-AAAA-AAAA-AAAA", environ_base=guesser)
        assert response.status_code == 404
    for path in (f"/verify/{code}", f"/verify/{code}/certificate.png", f"/verify?code={code}"):
        assert_throttled(client.get(path, environ_base=guesser), "unknown certificate codes")
    other = client.get(f"/verify/{code}", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200


def test_sign_ups_are_throttled_per_address(app, client):
    app.config["SIGNUP_OPEN"] = True
    for number in range(2):
        response = client.post(
            "/auth/signup",
            data={
                "email": f"n{number}@example.org",
                "password": "long enough pw",
                "confirm": "long enough pw",
                "csrf_token": csrf_token(client, "/auth/signup"),
            },
        )
        assert response.status_code == 302
    assert_throttled(
        client.post("/auth/signup", data={"csrf_token": csrf_token(client, "/auth/signup")}),
        "sign-ups",
    )


def test_expired_windows_are_swept(app, auth, client):
    import sqlalchemy as sa

    from app.extensions import db
    from app.security.models import ThrottleWindow

    auth.create()
    with app.app_context():
        db.session.add(ThrottleWindow(rule="x", key="y" * 64, window_start=0, hits=1, expires_at=1))
        db.session.commit()
    sign_in(client, "wrong password!")
    with app.app_context():
        rules = set(db.session.scalars(sa.select(ThrottleWindow.rule)))
    assert "x" not in rules and "signin_address" in rules


def test_a_forged_forwarded_for_does_not_escape_the_limit(app_config, auth):
    """Behind one proxy only the address that proxy appended counts, whatever the
    client wrote in front of it."""
    from app import create_app

    app = create_app({**app_config, "PROXY_FIX_HOPS": 1})
    client = app.test_client()
    with app.app_context():
        from app.auth.accounts import create_organizer

        create_organizer("org@example.org", "correct horse 1")
    statuses = []
    for number in range(8):
        statuses.append(
            client.post(
                "/auth/login",
                data={
                    "email": f"x{number}@example.org",
                    "password": "wrong password!",
                    "csrf_token": csrf_token(client, "/auth/login"),
                },
                headers={"X-Forwarded-For": f"203.0.113.{number}, 198.51.100.7"},
            ).status_code
        )
    assert statuses[:6] == [401] * 6 and statuses[6:] == [429, 429], statuses
