"""The source tree served by Vercel's own Python launcher (vercel_runtime.vc_init).

This test plays the platform: it owns the IPC socket, starts the launcher on
Python 3.12 with the project copied to a folder mounted read-only, and sends
real HTTP requests as Vercel's edge forwards them, against a real PostgreSQL
database migrated with `flask db upgrade`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.vercel import report, scenario, support
from tests.vercel.launcher import Launch, launch


@pytest.fixture(scope="module")
def launched(project_copy, platform_database) -> Iterator[Launch]:
    database_url, _ = platform_database
    with launch(project_copy, scenario.app_env(database_url)) as running:
        report.record(
            "vc_init start, source tree (process start to server-started)",
            f"{running.startup_seconds * 1000:.0f} ms",
        )
        yield running


def test_the_harness_mounts_the_project_read_only(project_copy) -> None:
    probe = support.run(
        support.readonly_command(project_copy, ["sh", "-c", 'touch "$0/probe"', project_copy])
    )
    assert probe.returncode != 0
    assert "Read-only file system" in probe.stderr, probe.stderr
    assert not (project_copy / "probe").exists()


def test_launcher_handshake(launched: Launch) -> None:
    kinds = [message["type"] for message in launched.messages]
    assert kinds[0] == "server-started", kinds
    payload = launched.messages[0]["payload"]
    assert payload["httpPort"] == launched.port
    assert "initDuration" in payload


def test_pages_static_files_and_forwarded_headers(launched: Launch) -> None:
    scenario.check_basics(launched.url)


def test_sign_in_and_event_page(launched: Launch, platform_database) -> None:
    _, organizer = platform_database
    scenario.check_sign_in_and_event(launched.url, organizer)


def test_cron_route(launched: Launch) -> None:
    scenario.check_cron(launched.url)


def test_every_request_reported_its_end(launched: Launch) -> None:
    # `end` follows the last byte of each response, so it may trail the client.
    deadline = time.monotonic() + 5
    while True:
        kinds = [message["type"] for message in launched.messages]
        if kinds.count("handler-started") == kinds.count("end") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert kinds.count("handler-started") == kinds.count("end") > 0, kinds
    assert not any("Traceback" in line for line in launched.logs()), "\n".join(launched.logs())
