"""The Dockerfile's own command, run here: ENTRYPOINT + CMD + ENV read from the
Dockerfile, gunicorn.conf.py, a fresh PostgreSQL database migrated by the
image's entrypoint, S3 storage on moto. Requests arrive as a platform's proxy
sends them (https already terminated).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.containers.conftest import (
    SECRET,
    ProxyClient,
    compose_interpolate,
    find_tool,
    new_empty_database,
    run,
    s3_settings,
)
from tests.containers.dockerfile import ROOT, parse
from tests.containers.gunicorn_server import (
    flask_command,
    free_port,
    image_command,
    image_environment,
    running_gunicorn,
)

pytestmark = pytest.mark.slow

EMAIL = "organizer@example.org"
PASSWORD = "container correct horse 7"
CRON_SECRET = "container-cron-secret-0123456789"


def graceful_timeout() -> int:
    from tests.containers.test_gunicorn_conf import load_conf

    return load_conf({"LAUREL_CONTAINER": "1"})["graceful_timeout"]


@pytest.fixture(scope="module")
def server_env() -> Iterator[dict[str, str]]:
    """One empty database and one bucket for the tests of this module."""
    with new_empty_database() as database, s3_settings() as storage:
        yield {
            "DATABASE_URL": database,
            "SECRET_KEY": SECRET,
            "CRON_SECRET": CRON_SECRET,
            # The entrypoint migrates the empty database before gunicorn starts.
            "RUN_MIGRATIONS_ON_START": "true",
            "WEB_CONCURRENCY": "2",
            "GUNICORN_THREADS": "2",
            "BASE_URL": "https://laurel.example.org",
            **storage,
        }


@pytest.fixture(scope="module")
def server(server_env, tmp_path_factory):
    with running_gunicorn(server_env, log_dir=tmp_path_factory.mktemp("gunicorn")) as server:
        yield server


def test_the_image_command_serves_healthz_as_production(server):
    client = ProxyClient(server.base_url)
    response = client.get("/healthz")
    assert response.status == 200, response.text
    assert response.json() == {"status": "ok"}

    ready = client.get("/readyz")
    checks = ready.json()["checks"]
    assert ready.json()["platform"] == "docker", ready.text
    for name in ("settings", "database", "migrations"):
        assert checks[name]["ok"], f"/readyz {name}: {checks[name]}"
    log = server.log()
    assert "prestart: migrated the database" in log, log
    assert "Booting worker" in log and "Traceback" not in log, log


def test_the_access_log_goes_to_stdout_with_the_client_address(server):
    ProxyClient(server.base_url, client_ip="198.51.100.23").get("/healthz?from=access-log")
    # ProxyFix (PROXY_FIX_HOPS=1 in a container) turns the forwarded address
    # into the client's; gunicorn's access line shows it.
    line = (server.log_lines_with("from=access-log") or [""])[0]
    assert line.startswith("198.51.100.23 "), line
    assert '"GET /healthz?from=access-log HTTP/1.1" 200' in line, line


def test_an_organizer_signs_in_with_csrf(server, server_env):
    output = flask_command(
        "users", "create", EMAIL, "--password-stdin", env=server_env, stdin=PASSWORD + "\n"
    )
    assert EMAIL in output

    client = ProxyClient(server.base_url)
    token = client.csrf_token("/auth/login")
    referer = {"Referer": f"{client.origin}/auth/login"}

    refused = client.post(
        "/auth/login", form={"email": EMAIL, "password": PASSWORD}, headers=referer
    )
    assert refused.status == 400, f"a form without its CSRF token must fail: {refused.status}"

    wrong = client.post(
        "/auth/login",
        form={"email": EMAIL, "password": "not the password", "csrf_token": token},
        headers=referer,
    )
    assert wrong.status == 401, wrong.text[:500]

    signed_in = client.post(
        "/auth/login",
        form={"email": EMAIL, "password": PASSWORD, "csrf_token": token},
        headers=referer,
    )
    assert signed_in.status == 302, signed_in.text[:500]
    # Behind the proxy the app knows the request was https: secure cookie,
    # and the redirect stays on the public scheme.
    session_cookie = " ".join(signed_in.headers.get_all("Set-Cookie") or [])
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie, session_cookie
    location = signed_in.headers["Location"]
    assert location.startswith(("/", "https://")), location

    events = client.get("/events/")
    assert events.status == 200, events.text[:500]


def test_the_cron_route_needs_the_bearer_secret(server, server_env):
    from app import create_app

    rules = {rule.rule for rule in create_app({"TESTING": True}).url_map.iter_rules()}
    if "/api/cron/check-events" not in rules:
        pytest.xfail("GET/POST /api/cron/check-events is not built yet (events feature)")

    client = ProxyClient(server.base_url)
    assert client.get("/api/cron/check-events").status == 401
    wrong = client.get("/api/cron/check-events", headers={"Authorization": "Bearer not-the-secret"})
    assert wrong.status in (401, 403), wrong.text
    ran = client.get("/api/cron/check-events", headers={"Authorization": f"Bearer {CRON_SECRET}"})
    assert ran.status == 200, ran.text
    assert ran.headers["Content-Type"].startswith("application/json"), ran.headers


def test_the_compose_scheduler_calls_the_cron_route(server, load_yaml, tmp_path):
    # The scheduler service's own loop, with its `curl`, pointed at this server.
    scheduler = compose_interpolate(load_yaml(ROOT / "docker-compose.yml")["services"]["scheduler"])
    shell, flag, script = scheduler["entrypoint"]
    script = script.replace("http://web:8000", server.base_url)
    output = tmp_path / "scheduler.out"
    curl = find_tool("curl")
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [shell, flag, script],
            env={"PATH": f"{curl.parent}:/usr/bin:/bin", "CRON_SECRET": CRON_SECRET},
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so that its `sleep 60` goes with it
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "\n" not in output.read_text():
            time.sleep(0.1)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    answer = json.loads(output.read_text().splitlines()[0])
    assert isinstance(answer, dict) and answer.get("error") is None, answer
    calls = server.log_lines_with("/api/cron/check-events")
    assert calls and '" 200 ' in calls[-1], calls


def test_the_dockerfile_healthcheck_passes_against_the_server(server):
    stage = parse().final
    env = image_environment({"PORT": str(server.port)})
    result = run(stage.healthcheck, env=env, timeout=30)
    assert result.returncode == 0, result.stderr

    closed = run(stage.healthcheck, env={**env, "PORT": str(free_port())}, timeout=30)
    assert closed.returncode != 0, "the HEALTHCHECK must fail when nothing answers"


def test_sigterm_finishes_the_request_in_flight_then_exits_0(server_env, tmp_path):
    # A server of its own: the module's server is still needed by the tests above.
    env = {**server_env, "RUN_MIGRATIONS_ON_START": "false", "WEB_CONCURRENCY": "1"}
    with running_gunicorn(env, log_dir=tmp_path) as server:
        # A request whose body is still arriving when the platform says stop.
        body = b"email=x%40example.org&password=y"
        head = (
            "POST /auth/login HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{server.port}\r\n"
            "X-Forwarded-Proto: https\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            sock.sendall(head + body[:5])
            time.sleep(0.5)
            started = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            time.sleep(1.0)
            sock.sendall(body[5:])
            reply = sock.makefile("rb").read()
        code = server.process.wait(graceful_timeout() + 15)
        seconds = time.monotonic() - started
        log = server.log()
    assert reply.startswith(b"HTTP/1.1 400"), reply[:200]  # answered (no CSRF token)
    assert code == 0, f"gunicorn exited {code} on SIGTERM:\n{log}"
    assert seconds < graceful_timeout(), f"took {seconds:.1f} s:\n{log}"
    assert "Handling signal: term" in log and "Shutting down: Master" in log, log
    print(f"gunicorn finished the request and exited 0, {seconds:.2f} s after SIGTERM")


def test_the_entrypoint_runs_other_commands_unchanged(server_env):
    # What Render's dockerCommand, Fly's release_command and Railway's start
    # command do: replace CMD, keep the entrypoint.
    output = flask_command("db", "current", env={**server_env, "RUN_MIGRATIONS_ON_START": ""})
    assert "head" in output, output


def test_a_missing_database_stops_the_entrypoint_with_a_clear_message():
    env = {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/nothing",
        "SECRET_KEY": SECRET,
        "RUN_MIGRATIONS_ON_START": "true",
        "DATABASE_WAIT_SECONDS": "2",
    }
    completed = run(image_command(), env=image_environment(env), cwd=ROOT, timeout=60)
    message = completed.stdout + completed.stderr
    assert completed.returncode != 0, message
    assert "did not answer within 2 s" in message and "DATABASE_URL" in message, message
    assert "Booting worker" not in message, "gunicorn must not start without a database"
