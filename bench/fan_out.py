"""Fan-out under Vercel's own launcher against a single invocation, in one run, on
PostgreSQL and the S3 HTTP server (moto).

Two set-ups, started once and used in alternating rounds, each round on a fresh
ended event of --attendees attended participants, timed from one cron call through
the router (tests/vercel/router.py, standing in for Vercel's edge) until every
certificate is issued and no run is left working:

- single: one `vc_init` launcher process, CHECKER_FAN_OUT=0 and a budget that
  covers the whole event, so the cron call's one invocation does everything;
- fan-out: --instances launcher processes behind the router, CHECKER_FAN_OUT=
  --fan-out and CHECKER_BUDGET_SECONDS=--budget, so the cron call's run starts
  invocations through the router, and they start their successors.

Prints each round's wall time and time per certificate, how many invocations ran,
and the speed-up (single / fan-out, medians). Every invocation here shares this
machine's cores, so the speed-up is bounded by them; on Vercel each has its own.
Needs the vercel-runtime venv (`bash .ci/setup/20-vercel.sh`). Keep it modest on a
shared machine:

    nice -n 10 .venv/bin/python bench/fan_out.py --attendees 90 --rounds 1
    nice -n 10 .venv/bin/python bench/fan_out.py --attendees 10000 --budget 50 --fan-out 8
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "fan_out.json"


def main() -> None:
    from support import database_url_option

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    database_url_option(parser)
    parser.add_argument("--attendees", type=int, default=90)
    parser.add_argument("--instances", type=int, default=3, help="launcher processes (fan-out)")
    parser.add_argument("--fan-out", type=int, default=2, help="CHECKER_FAN_OUT")
    parser.add_argument("--budget", type=float, default=10.0, help="budget per invocation")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()

    import sqlalchemy as sa
    from support import s3_bucket_on_loopback

    from tests.checker.helpers import seed_ended_event
    from tests.databases import PostgresDatabase, migrate
    from tests.vercel import scenario, support
    from tests.vercel.launcher import launch
    from tests.vercel.router import running_router

    server, bucket = s3_bucket_on_loopback()
    scratch = Path(tempfile.mkdtemp(prefix="laurel-bench-fan-out-"))
    project = support.copy_repository(scratch / "project")
    # Enough for one invocation to do the whole event even on a slow, shared machine.
    single_budget = max(60.0, args.attendees * 2.0)
    setups = {
        "single": (1, {"CHECKER_FAN_OUT": "0", "CHECKER_BUDGET_SECONDS": str(single_budget)}),
        "fan-out": (
            args.instances,
            {"CHECKER_FAN_OUT": str(args.fan_out), "CHECKER_BUDGET_SECONDS": str(args.budget)},
        ),
    }
    times: dict[str, list[float]] = {name: [] for name in setups}
    rounds: list[dict[str, object]] = []
    name = f"laurel_bench_fan_out_{uuid.uuid4().hex[:8]}"
    try:
        with PostgresDatabase(args.database_url, name) as database, ExitStack() as stack:
            migrate(database.url)
            engine = sa.create_engine(database.url)
            routers = {}
            for setup, (count, settings) in setups.items():
                router = stack.enter_context(running_router())
                env = {
                    **scenario.app_env(database.url),
                    "STORAGE_URL": f"s3://{bucket}/certificates",
                    "S3_ENDPOINT_URL": server.endpoint_url,
                    "S3_ADDRESSING_STYLE": "path",
                    "AWS_CONFIG_FILE": os.devnull,
                    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                    "BASE_URL": router.url,
                    # The function's own limit, as vercel.json's maxDuration would say.
                    "CHECKER_MAX_DURATION_SECONDS": settings["CHECKER_BUDGET_SECONDS"],
                    **settings,
                }
                instances = [
                    stack.enter_context(launch(project, env, read_only=False, timeout=120))
                    for _ in range(count)
                ]
                router.backends = [instance.url for instance in instances]
                routers[setup] = router
            for number in range(args.rounds):
                for setup in setups:
                    title = f"round {number} {setup}"
                    event_id = seed_ended_event(database.url, args.attendees, title)
                    wall, invocations = _time_round(engine, routers[setup].url, event_id, args)
                    times[setup].append(wall)
                    rounds.append({"setup": setup, "wall": wall, "invocations": invocations})
                    print(
                        f"{setup}: {args.attendees} certificates in {wall:.1f} s, "
                        f"{wall / args.attendees * 1000:.0f} ms each, "
                        f"{invocations} invocation(s)",
                        flush=True,
                    )
            engine.dispose()
    finally:
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    single, fanned = statistics.median(times["single"]), statistics.median(times["fan-out"])
    ratio = single / fanned
    print(
        f"fan-out ({args.instances} instances, CHECKER_FAN_OUT={args.fan_out}, "
        f"{args.budget:g} s budget) against a single invocation: {ratio:.2f}x "
        f"(cores: {os.cpu_count()}, load {os.getloadavg()[0]:.1f})"
    )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps({"args": vars(args), "rounds": rounds, "speed_up": ratio}, indent=2) + "\n"
    )


def _time_round(engine, router_url: str, event_id: int, args) -> tuple[float, int]:
    """Seconds from the cron call to the last certificate, and the invocations that ran."""
    import sqlalchemy as sa

    from tests.vercel import scenario

    with engine.connect() as connection:
        first_run = connection.scalar(sa.text("SELECT coalesce(max(id), 0) FROM checker_runs"))
    request = urllib.request.Request(
        router_url + "/api/cron/check-events",
        headers={"Authorization": f"Bearer {scenario.CRON_SECRET}"},
    )
    answers: list[object] = []

    def call() -> None:
        # The answer comes after the first run's budget; the clock stops at the last
        # certificate, which the polling below sees, so nobody waits on it.
        try:
            with urllib.request.urlopen(request, timeout=900) as response:
                answers.append(response.status)
        except urllib.error.HTTPError as exc:  # a refusal: the round cannot finish
            answers.append(exc)
        except OSError:
            pass  # no answer from a very long single run: the polling decides

    started = time.perf_counter()
    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    deadline = started + max(600.0, args.attendees * 3.0)
    while True:
        with engine.connect() as connection:
            issued = connection.scalar(
                sa.text("SELECT count(*) FROM certificates WHERE event_id = :e"), {"e": event_id}
            )
            working = connection.scalar(
                sa.text("SELECT count(*) FROM checker_runs WHERE outcome IN ('pending', 'running')")
            )
        if issued >= args.attendees and working == 0:
            break
        if time.perf_counter() > deadline or any(isinstance(a, Exception) for a in answers):
            raise SystemExit(f"{issued} of {args.attendees} issued; the cron call: {answers}")
        time.sleep(0.2)
    wall = time.perf_counter() - started
    caller.join(60)
    with engine.connect() as connection:
        invocations = connection.scalar(
            sa.text("SELECT count(*) FROM checker_runs WHERE id > :r AND outcome <> 'failed'"),
            {"r": first_run},
        )
    return wall, int(invocations)


if __name__ == "__main__":
    main()
