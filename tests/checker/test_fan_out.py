"""Fan-out's failure paths, in process: a self-call that cannot be made or is refused is
reported in the run's record, its reservation is closed, and no work is lost.
(tests/vercel/test_fan_out.py runs the whole fan-out under Vercel's launcher.)"""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from app.checker.models import CheckerRun, Outcome, Trigger
from app.checker.run import check_events
from app.extensions import db
from tests.checker.helpers import assert_exactly_once, seed

pytestmark = pytest.mark.usefixtures("ctx")


class _Refusing(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(params=["unreachable", "refusing"])
def base_url(request) -> Iterator[str]:
    if request.param == "unreachable":
        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        yield f"http://127.0.0.1:{port}"
        return
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def app_config(app_config: dict[str, Any], base_url: str) -> dict[str, Any]:
    return {**app_config, "BASE_URL": base_url, "CHECKER_FAN_OUT": 3}


def test_a_self_call_that_fails_is_reported_and_loses_no_work(monkeypatch):
    owed = seed(events=1, per_event=6, background=False)
    # However fast this machine renders, the run asks for more invocations than allowed.
    monkeypatch.setattr("app.checker.run.wanted", lambda *args: 5)

    # A budget no busy machine exhausts on six certificates: a run out of time would
    # start successors too, and this test counts the first run's own reservations.
    first = check_events(budget_seconds=60)

    run = db.session.get(CheckerRun, first.run_id)
    assert "self-call refused" in (run.fan_out_error or ""), run.fan_out_error
    assert run.fanned_out == 0
    reservations = db.session.scalars(
        sa.select(CheckerRun).where(CheckerRun.trigger == Trigger.FAN_OUT.value)
    ).all()
    assert 1 <= len(reservations) <= 3  # CHECKER_FAN_OUT
    assert {r.outcome for r in reservations} == {Outcome.FAILED.value}
    for _ in range(10):  # the refused invocations' share is left for later runs
        if first.outcome == Outcome.DONE:
            break
        first = check_events(budget_seconds=10)
    assert_exactly_once(owed)
