"""Fan-out's failure paths and its cap, in process: a self-call that cannot be made or
is refused is reported in the run's record, in the cron route's JSON answer and in the
CLI's run line; its reservation is closed, and no work is lost. However many
invocations runs ask for at once, no more than CHECKER_FAN_OUT are live.
(tests/vercel/test_fan_out.py and test_fan_out_gunicorn.py run the whole fan-out.)"""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from app.checker.fan_out import fan_out, settle
from app.checker.models import CheckerRun, Outcome, Trigger
from app.checker.run import check_events
from app.extensions import db
from tests.checker.helpers import CRON_SECRET, assert_exactly_once, seed

pytestmark = pytest.mark.usefixtures("ctx")

CAP = 3
ROUTE = "/api/cron/check-events"


class _Refusing(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@dataclass(frozen=True)
class BadBase:
    url: str
    says: str  # what the run's report must hold
    reserves: bool  # whether invocations get reserved (and then closed) at all


@pytest.fixture(params=["unreachable", "refusing", "malformed"])
def bad_base(request) -> Iterator[BadBase]:
    if request.param == "malformed":  # no scheme: nothing could ever reach it
        yield BadBase("laurel.example.org", "BASE_URL 'laurel.example.org'", reserves=False)
        return
    if request.param == "unreachable":
        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        yield BadBase(f"http://127.0.0.1:{port}", "self-call refused", reserves=True)
        return
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield BadBase(f"http://127.0.0.1:{server.server_port}", "HTTP 401", reserves=True)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def app_config(app_config: dict[str, Any], bad_base: BadBase) -> dict[str, Any]:
    # A budget no busy machine exhausts on six certificates: a run out of time would
    # start successors too, and these tests count the first run's own reservations.
    return {
        **app_config,
        "BASE_URL": bad_base.url,
        "CHECKER_FAN_OUT": CAP,
        "CHECKER_BUDGET_SECONDS": 60.0,
    }


@pytest.fixture
def wants_many(monkeypatch) -> None:
    """However fast this machine renders, a run asks for more invocations than allowed."""
    monkeypatch.setattr("app.checker.run.wanted", lambda *args: 5)


@pytest.mark.usefixtures("wants_many")
def test_a_self_call_that_fails_is_reported_and_loses_no_work(client, bad_base):
    owed = seed(events=1, per_event=6, background=False)

    answer = client.get(ROUTE, headers={"Authorization": f"Bearer {CRON_SECRET}"})

    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert bad_base.says in (body["fan_out_error"] or ""), body
    assert body["fanned_out"] == 0, body
    run = db.session.get(CheckerRun, body["run_id"])
    assert (run.fan_out_error, run.fanned_out) == (body["fan_out_error"], 0)
    reservations = db.session.scalars(
        sa.select(CheckerRun).where(CheckerRun.trigger == Trigger.FAN_OUT.value)
    ).all()
    if bad_base.reserves:
        assert 1 <= len(reservations) <= CAP
        assert {r.outcome for r in reservations} == {Outcome.FAILED.value}
    else:
        assert reservations == []
    result = check_events(budget_seconds=10)
    for _ in range(10):  # the refused invocations' share is left for later runs
        if result.outcome == Outcome.DONE:
            break
        result = check_events(budget_seconds=10)
    assert_exactly_once(owed)


@pytest.mark.only_with("refusing")  # the cron route's test covers each kind of failure
@pytest.mark.usefixtures("wants_many")
def test_the_cli_run_line_reports_a_failed_fan_out(runner, bad_base):
    owed = seed(events=1, per_event=4, background=False)

    result = runner.invoke(args=["events", "check"])

    assert result.exit_code == 0, result.output  # the run itself did its work
    assert "fanned out 0 (fan-out: " in result.output, result.output
    assert bad_base.says in result.output, result.output
    assert_exactly_once(owed)


@pytest.mark.only_with("unreachable")
def test_the_cap_on_invocations_holds_when_runs_ask_at_once(app):
    """Four runs ask for two invocations each at the same moment: CAP are reserved,
    and once they are closed (refused here) their places are free again."""
    deadline = time.monotonic() + 30

    def ask(count: int):
        with app.app_context():
            return fan_out(count, event_id=None, deadline=deadline)

    with ThreadPoolExecutor(max_workers=4) as pool:
        dispatches = list(pool.map(ask, [2, 2, 2, 2]))
    assert sum(len(d.ids) for d in dispatches) == CAP, [d.ids for d in dispatches]
    assert ask(1).ids == [], "a full cap reserves nothing more"

    started, problem = settle(dispatches, deadline)

    assert started == 0 and "self-call refused" in (problem or ""), problem
    freed = ask(CAP + 2)
    assert len(freed.ids) == CAP
    settle([freed], deadline)
