"""One instance, many requests: pages answer while a long checker run works.

Vercel's launcher (`vercel_runtime.vc_init`) serves every connection in a
thread of its own and Fluid compute sends one instance concurrent requests;
with a pool of one connection, pages waited behind a cron run and failed after
the pool timeout. Here each execution model (the source tree and the built
bundle under vc_init, the Dockerfile's gunicorn command) gets a fresh database
and bucket, issues a few certificates, then gets a backlog of BACKLOG
attendees: while the cron route works through it, PAGES parallel requests
(verification pages, a download, /readyz, the home page) must all succeed, and
all before the run ends, so that they really ran beside it. The run must end
by its budget with work left, or the backlog was too small to prove anything.

The same runs check that /readyz leaves no Alembic lines in the log.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.parity import harness, scenario
from tests.vercel import support
from tests.vercel.launcher import built_function, launch

pytestmark = pytest.mark.slow

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
BACKLOG = 400
FIRST = 3  # certificates issued before the backlog, for the pages to show
PAGES = 12
BUDGET_SECONDS = "10"
CRON = "/api/cron/check-events"
BEARER = {"Authorization": f"Bearer {scenario.CRON_SECRET}"}


@dataclass
class Server:
    url: str
    log: Callable[[], str]


def _gunicorn(_context, env: dict[str, str], tmp: Path) -> AbstractContextManager[Server]:
    @contextmanager
    def running() -> Iterator[Server]:
        from tests.containers.gunicorn_server import running_gunicorn

        with running_gunicorn(env, log_dir=tmp) as server:
            yield Server(server.base_url, server.log)

    return running()


def _vc_source(context, env: dict[str, str], _tmp: Path) -> AbstractContextManager[Server]:
    @contextmanager
    def running() -> Iterator[Server]:
        with launch(context["project"], env) as launched:
            yield Server(launched.url, lambda: "\n".join(launched.logs()) + launched.stderr())

    return running()


def _vc_bundle(context, env: dict[str, str], _tmp: Path) -> AbstractContextManager[Server]:
    @contextmanager
    def running() -> Iterator[Server]:
        func, python = context["bundle"]
        with built_function(func, env, python=python) as launched:
            yield Server(launched.url, lambda: "\n".join(launched.logs()) + launched.stderr())

    return running()


MODELS = {
    "gunicorn": _gunicorn,
    "vc_init source tree": _vc_source,
    "vc_init built bundle": _vc_bundle,
}


@pytest.fixture(scope="module")
def context(tmp_path_factory) -> dict:
    if not PG_URL:
        support.unavailable("TEST_DATABASE_URL is not set: the concurrency test needs PostgreSQL")
    support.vc_python()
    return {
        "project": support.copy_repository(tmp_path_factory.mktemp("concurrent") / "project"),
    }


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> tuple[Path, Path]:
    from tests.vercel.build import bare_python, prepare_project, vercel_build

    support.vercel_cli()
    root = tmp_path_factory.mktemp("concurrent-build")
    result = vercel_build(prepare_project(root / "project"), root / "home")
    assert result.result.returncode == 0, f"vercel build failed:\n{result.log[-8000:]}"
    (func,) = result.functions()
    return func, bare_python(root / "bare-venv")


def _query(database_url: str, statement: str, **params: object) -> list[tuple]:
    from app.config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(database_url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(statement), params)]
    finally:
        engine.dispose()


@dataclass
class Outcome:
    cron: dict
    cron_done: float
    pages: list[tuple[str, int, float]]  # path, status, finished at
    log: str


def _exercise(server: Server, database_url: str, backlog_event: int, codes: list[str]) -> Outcome:
    from tests.vercel.launcher import PlatformClient

    cron_reply: dict = {}
    finished: dict[str, float] = {}

    def cron() -> None:
        reply = PlatformClient(server.url).get(CRON, headers=BEARER)
        cron_reply.update(status=reply.status, body=reply.json() if reply.status == 200 else {})
        finished["cron"] = time.monotonic()

    runner = threading.Thread(target=cron)
    runner.start()
    # Wait until the run is issuing the backlog, holding the database as it goes.
    deadline = time.monotonic() + 120
    while not _query(
        database_url, "SELECT 1 FROM certificates WHERE event_id = :e LIMIT 1", e=backlog_event
    ):
        assert runner.is_alive(), f"the cron run ended before issuing anything: {cron_reply}"
        assert time.monotonic() < deadline, "the cron run issued nothing in 120 s"
        time.sleep(0.05)

    paths = [f"/verify/{codes[n % len(codes)]}" for n in range(PAGES - 4)]
    paths += [f"/verify/{codes[0]}/certificate.pdf", "/readyz", "/readyz", "/"]

    def page(path: str) -> tuple[str, int, float]:
        reply = PlatformClient(server.url).get(path)
        return path, reply.status, time.monotonic()

    with ThreadPoolExecutor(max_workers=len(paths)) as pool:
        pages = list(pool.map(page, paths))
    runner.join(180)
    assert not runner.is_alive(), "the cron run did not answer within 180 s"
    return Outcome(cron_reply, finished["cron"], pages, server.log())


@pytest.fixture(scope="module", params=list(MODELS))
def outcome(request, context, s3_endpoint, s3_admin, tmp_path_factory) -> Outcome:
    from tests.checker.helpers import seed_ended_event

    if request.param == "vc_init built bundle":
        context["bundle"] = request.getfixturevalue("bundle")
    bucket = f"laurel-concurrent-{uuid.uuid4().hex[:10]}"
    s3_admin.create_bucket(Bucket=bucket)
    with ExitStack() as stack:
        database = stack.enter_context(harness.fresh_database(PG_URL))
        env = {**harness.app_env(database, bucket, s3_endpoint)}
        env["CHECKER_BUDGET_SECONDS"] = BUDGET_SECONDS
        harness.prepare(env)
        start = MODELS[request.param]
        server = stack.enter_context(start(context, env, tmp_path_factory.mktemp("server")))
        seed_ended_event(database, FIRST, "Warm-up")
        for _ in range(10):  # a cold bundle compiles its imports on the first run
            first = scenario.Client(server.url).get(CRON, headers=BEARER)
            assert first.status == 200, first.text
            if first.json()["outcome"] == "done":
                break
        codes = [row[0] for row in _query(database, "SELECT code FROM certificates")]
        assert len(codes) == FIRST
        backlog_event = seed_ended_event(database, BACKLOG, "Backlog")
        return _exercise(server, database, backlog_event, codes)


def test_every_page_beside_a_long_checker_run_succeeds(outcome: Outcome) -> None:
    failed = [(path, status) for path, status, _ in outcome.pages if status not in (200, 302)]
    assert not failed, f"pages that failed beside the checker run: {failed}\n{outcome.log[-4000:]}"
    downloads = [status for path, status, _ in outcome.pages if path.endswith(".pdf")]
    assert downloads == [302]


def test_the_pages_did_not_wait_for_the_run(outcome: Outcome) -> None:
    assert outcome.cron["status"] == 200, outcome
    # The run stopped at its budget with work left: it was still working
    # while every page was answered.
    assert outcome.cron["body"]["outcome"] == "time_up", outcome.cron
    assert outcome.cron["body"]["remaining"] > 0, outcome.cron
    late = [path for path, _, done in outcome.pages if done >= outcome.cron_done]
    assert not late, f"answered only after the checker run ended: {late}"


def test_readiness_leaves_no_alembic_lines_in_the_log(outcome: Outcome) -> None:
    lines = [line for line in outcome.log.splitlines() if "alembic" in line.lower()]
    assert not lines, lines
