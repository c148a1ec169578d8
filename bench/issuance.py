"""Issuance throughput against render-only throughput of the same certificates.

    .venv/bin/python bench/issuance.py [--certificates 40] [--rounds 3]
                                       [--database-url postgresql://...]

Each round makes an ended event (built-in template) with N attended participants and
times `check_events` issuing all of them (claims, rendering, local storage, rows,
outbox) in-process. The baseline is rendering the same N certificates' PNG and PDF
(`render_files` over the issued rows' data) with nothing else, timed in the same round
right after, so the ratio holds on a busy machine. Prints the medians of the ratio
render time / issue time (goal ≥ 0.95), the same in process CPU time (which a busy
machine disturbs less; the checker's threads included), and writes bench/results/issuance.json.
SQLite in a temporary folder unless --database-url names a PostgreSQL server (a
database of its own is made and dropped).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

from support import ROOT, migrated_app

RESULTS = ROOT / "bench" / "results" / "issuance.json"


def _round(app, count: int, index: int) -> tuple[float, float]:
    import sqlalchemy as sa

    from app.certificates.issuing import render_files
    from app.certificates.models import Certificate
    from app.checker.run import check_events
    from app.events.models import Event
    from app.extensions import db
    from tests.checker.helpers import add_participants, make_event, make_organizer

    with app.app_context():
        owner = make_organizer(f"bench{index}@example.org")
        event_id = make_event(owner, f"Bench {index}", background=False)
        add_participants(event_id, count)
        db.session.commit()
        start, cpu = time.perf_counter(), time.process_time()
        result = check_events(event_id=event_id, budget_seconds=3600)
        issue, issue_cpu = time.perf_counter() - start, time.process_time() - cpu
        rows = db.session.scalars(sa.select(Certificate).where(Certificate.event_id == event_id))
        rows = list(rows)
        if len(rows) != count:
            raise SystemExit(f"issued {len(rows)} of {count}: {result}")
        event = db.session.get(Event, event_id)
        start, cpu = time.perf_counter(), time.process_time()
        for row in rows:
            render_files(row, event)
        render, render_cpu = time.perf_counter() - start, time.process_time() - cpu
        return issue, render, issue_cpu, render_cpu


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--certificates", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        if args.database_url:
            from tests.databases import PostgresDatabase

            name = f"laurel_bench_{uuid.uuid4().hex[:10]}"
            url = stack.enter_context(PostgresDatabase(args.database_url, name)).url
        else:
            url = f"sqlite:///{folder / 'bench.db'}"
        app = migrated_app(url, folder)
        app.config["BASE_URL"] = "https://laurel.example"
        _round(app, 2, -1)  # warm-up: fonts parsed, modules imported
        issue, render, cpu_ratios = [], [], []
        for index in range(args.rounds):
            i, r, i_cpu, r_cpu = _round(app, args.certificates, index)
            issue.append(i)
            render.append(r)
            cpu_ratios.append(r_cpu / i_cpu)
            print(
                f"round {index}: issue {i:.2f} s, render only {r:.2f} s, ratio {r / i:.2f} "
                f"(CPU time: {r_cpu / i_cpu:.2f})"
            )
        with app.app_context():
            from app.extensions import db

            db.engine.dispose()
    ratios = [r / i for i, r in zip(issue, render, strict=True)]
    report = {
        "database": "postgresql" if args.database_url else "sqlite",
        "certificates": args.certificates,
        "rounds": args.rounds,
        "issue_s": issue,
        "render_s": render,
        "per_certificate_issue_ms": statistics.median(issue) / args.certificates * 1000,
        "per_certificate_render_ms": statistics.median(render) / args.certificates * 1000,
        "ratio_median": statistics.median(ratios),
        "cpu_ratio_median": statistics.median(cpu_ratios),
    }
    print(
        f"per certificate: issue {report['per_certificate_issue_ms']:.0f} ms, render only "
        f"{report['per_certificate_render_ms']:.0f} ms; issuance / render-only throughput "
        f"{report['ratio_median']:.2f} (goal >= 0.95); in CPU time "
        f"{report['cpu_ratio_median']:.2f}"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
