"""/verify/<code> under gunicorn, next to the bare stack, in the same run.

    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/verify.py [--rounds 5] [--seconds 3] [--clients 8]

Laurel runs exactly as the Dockerfile starts it (its ENTRYPOINT + CMD, the
image's ENV, gunicorn.conf.py: 2 workers x 4 threads, production settings);
the baseline is bench/bare_app.py (Flask + Flask-SQLAlchemy, one query by code
and a small template) under gunicorn with the same workers, threads and worker
class. Both serve the same certificate row of one migrated PostgreSQL
database, and run side by side; the load alternates between them round by
round (`--clients` keep-alive connections for `--seconds` each), so the ratios
hold on a busy machine. Prints requests per second, p50 and p99 latency, peak
RSS per worker (VmHWM of each worker after the load), and the ratios; writes
bench/results/verify.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.seed import PRODUCTION_SETTINGS, database_with_a_certificate  # noqa: E402
from tests.containers.gunicorn_server import (  # noqa: E402
    VENV_BIN,
    running_gunicorn,
)

RESULTS = ROOT / "bench" / "results" / "verify.json"
LAUREL_SETTINGS = {**PRODUCTION_SETTINGS, "GUNICORN_LOG_LEVEL": "warning"}


def bare_command() -> list[str]:
    """The same server settings as gunicorn.conf.py, for the one-file app."""
    return [str(VENV_BIN / "gunicorn"), "--config", str(ROOT / "bench" / "bare_gunicorn.conf.py")]


def load(port: int, path: str, clients: int, seconds: float) -> tuple[float, list[float]]:
    """Requests per second and every latency (s), from `clients` keep-alive clients."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    stop_at = time.monotonic() + seconds

    def client(mine: list[float]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Host": "laurel.example", "X-Forwarded-Proto": "https"}
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                errors.append(f"{response.status}")
                return
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.close()

    threads = [threading.Thread(target=client, args=(mine,)) for mine in latencies]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    if errors:
        raise SystemExit(f"{path} on port {port} answered {errors[0]}")
    every = [value for mine in latencies for value in mine]
    return len(every) / elapsed, every


def worker_peak_rss_mib(master_pid: int) -> float:
    """The largest VmHWM among the master's children (the workers), in MiB."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    peaks = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    if not peaks:
        raise SystemExit(f"gunicorn {master_pid} has no workers to measure")
    return max(peaks)


def gunicorn_master(server) -> int:
    """The gunicorn master: the entrypoint shell execs it, so the same pid."""
    return server.process.pid


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        sys.exit("set TEST_DATABASE_URL to a PostgreSQL server (a database is made and dropped)")

    with database_with_a_certificate(server_url) as (database_url, code):
        path = f"/verify/{code}"
        laurel_env = {**LAUREL_SETTINGS, "DATABASE_URL": database_url}
        with (
            running_gunicorn(laurel_env) as laurel,
            running_gunicorn({"DATABASE_URL": database_url}, command=bare_command()) as bare,
        ):
            servers = {"laurel": laurel, "bare": bare}
            for server in servers.values():  # warm up: imports, pools, template caches
                load(server.port, path, args.clients, 1.0)
            rates: dict[str, list[float]] = {name: [] for name in servers}
            latencies: dict[str, list[float]] = {name: [] for name in servers}
            for round_number in range(args.rounds):
                for name, server in servers.items():
                    rate, every = load(server.port, path, args.clients, args.seconds)
                    rates[name].append(rate)
                    latencies[name] += every
                print(
                    f"round {round_number + 1}/{args.rounds}: "
                    + ", ".join(f"{name} {rates[name][-1]:.0f} req/s" for name in servers),
                    flush=True,
                )
            rss = {name: worker_peak_rss_mib(gunicorn_master(s)) for name, s in servers.items()}

    results: dict[str, object] = {}
    for name in ("laurel", "bare"):
        results[name] = {
            "req_per_s": round(statistics.median(rates[name]), 1),
            "p50_ms": round(percentile(latencies[name], 0.50) * 1000, 2),
            "p99_ms": round(percentile(latencies[name], 0.99) * 1000, 2),
            "peak_rss_per_worker_mib": round(rss[name], 1),
        }
    laurel_r, bare_r = results["laurel"], results["bare"]
    results["throughput_ratio"] = round(laurel_r["req_per_s"] / bare_r["req_per_s"], 2)
    results["p99_ratio"] = round(laurel_r["p99_ms"] / bare_r["p99_ms"], 2)
    results["rss_ratio"] = round(
        laurel_r["peak_rss_per_worker_mib"] / bare_r["peak_rss_per_worker_mib"], 2
    )
    results["settings"] = vars(args)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")

    print(f"\nGET /verify/<code>, gunicorn 2 workers x 4 threads, {args.clients} clients:")
    for name in ("laurel", "bare"):
        r = results[name]
        print(
            f"  {name:<7} {r['req_per_s']:7.0f} req/s  p50 {r['p50_ms']:.2f} ms  "
            f"p99 {r['p99_ms']:.2f} ms  peak RSS/worker {r['peak_rss_per_worker_mib']:.0f} MiB"
        )
    print(
        f"  ratio laurel / bare: throughput {results['throughput_ratio']} (goal >= 0.9), "
        f"p99 {results['p99_ratio']}, peak RSS {results['rss_ratio']} (goal <= 1.2)"
    )
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
