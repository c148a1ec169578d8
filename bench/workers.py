"""Issuance end to end on PostgreSQL and the S3 HTTP server (moto): one checker
process against N (`flask events check --until-done --workers N`), in one run.

Each round seeds a fresh ended event of --attendees attended participants and
times the command until every certificate is issued; rounds alternate between
one worker and --workers workers. Prints the wall time, the time per
certificate and the speed-up (N workers / one). Keep it modest on a shared
machine:

    nice -n 10 .venv/bin/python bench/workers.py --attendees 200 --workers 2 --rounds 1
    nice -n 10 .venv/bin/python bench/workers.py --attendees 10000 --workers 2 --rounds 1

--no-baseline skips the one-worker rounds: the 10,000-attendee figure is a wall time
and a time per certificate, and its one-worker round alone takes about half an hour
on two cores.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from support import database_url_option

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    database_url_option(parser)
    parser.add_argument("--attendees", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--no-baseline", action="store_true", help="only the --workers rounds, no speed-up"
    )
    args = parser.parse_args()
    counts = (args.workers,) if args.no_baseline else (1, args.workers)

    from support import s3_bucket_on_loopback

    from tests.checker.helpers import process_env, seed_ended_event
    from tests.databases import PostgresDatabase, migrate

    server, bucket = s3_bucket_on_loopback()
    name = f"laurel_bench_issue_{uuid.uuid4().hex[:8]}"
    times: dict[int, list[float]] = {count: [] for count in counts}
    try:
        with PostgresDatabase(args.database_url, name) as database:
            migrate(database.url)
            config = {
                "DATABASE_URL": database.url,
                "STORAGE_URL": f"s3://{bucket}/certificates",
                "S3_ENDPOINT_URL": server.endpoint_url,
            }
            env = {**process_env(config), "CHECKER_BUDGET_SECONDS": "240"}
            for number in range(args.rounds):
                for workers in counts:
                    seed_ended_event(database.url, args.attendees, f"round {number} x{workers}")
                    started = time.perf_counter()
                    command = [sys.executable, "-m", "flask", "events", "check", "--until-done"]
                    done = subprocess.run(
                        [*command, "--workers", str(workers)],
                        cwd=ROOT,
                        env=env,
                        capture_output=True,
                        text=True,
                    )
                    if done.returncode:
                        # Every run's summary line, to see what a failing worker counted.
                        sys.exit(f"{done.stdout}{done.stderr}\nexit status {done.returncode}")
                    wall = time.perf_counter() - started
                    times[workers].append(wall)
                    print(
                        f"{workers} worker(s): {args.attendees} certificates in {wall:.1f} s, "
                        f"{wall / args.attendees * 1000:.0f} ms each; "
                        f"runs: {outcomes(done.stdout)}",
                        flush=True,
                    )
    finally:
        server.stop()
    if not args.no_baseline:
        one, many = statistics.median(times[1]), statistics.median(times[args.workers])
        print(f"speed-up with {args.workers} workers: {one / many:.2f}x (cores: {os.cpu_count()})")


def outcomes(lines: str) -> str:
    """How the workers' runs ended, from their run lines ("run 7: done; ...")."""
    counted = Counter(re.findall(r"^run \S+: (\w+);", lines, flags=re.MULTILINE))
    return ", ".join(f"{count} {outcome}" for outcome, count in sorted(counted.items()))


if __name__ == "__main__":
    main()
