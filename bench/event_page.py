"""Server time of an event page with 10,000 participants, next to the bare stack.

    .venv/bin/python bench/event_page.py [--participants 10000] [--runs 15]
                                         [--database-url postgresql://...]

Builds a migrated database (SQLite in a temporary folder, or the PostgreSQL
server named by --database-url, in a database of its own), one organizer, one
event with N participants (every other one attended, a certificate row for
every tenth), then times GET /events/<id> through the WSGI app in-process:
server time, no network. The baseline is bench/bare_app.py's /verify/<code>
(one query and a small template, over the same database) timed the same way
in the same run, alternating, so the ratio holds on a busy machine. Prints the
medians, the ratio and the page size; writes bench/results/event_page.json.
Goal: under 300 ms.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from support import EMAIL, PASSWORD, ROOT, migrated_app, signed_in_client

RESULTS = ROOT / "bench" / "results" / "event_page.json"


def fill(app, count: int) -> int:
    import sqlalchemy as sa

    from app.auth.accounts import create_organizer
    from app.database import utcnow
    from app.extensions import db
    from app.models import Certificate, Event, Participant

    with app.app_context():
        owner = create_organizer(EMAIL, PASSWORD)
        start = utcnow().replace(year=2024)
        event = Event(
            owner_id=owner.id,
            title="Bench conference",
            timezone="Europe/Berlin",
            starts_at=start,
            ends_at=start + timedelta(hours=8),
        )
        db.session.add(event)
        db.session.commit()
        db.session.execute(
            sa.insert(Participant),
            [
                {
                    "event_id": event.id,
                    "name": f"Participant {n:05d}",
                    "email": f"p{n:05d}@example.org",
                    "attended": n % 2 == 0,
                }
                for n in range(count)
            ],
        )
        ids = db.session.scalars(
            sa.select(Participant.id).where(Participant.event_id == event.id)
        ).all()
        db.session.execute(
            sa.insert(Certificate),
            [
                {
                    "participant_id": pid,
                    "event_id": event.id,
                    "code": f"LAU-BNCH-{n:04d}-0000-0000",
                    "holder_name": "x",
                    "event_title": "Bench conference",
                    "event_date": "2024",
                    "issuer": EMAIL,
                    "verify_url": "https://example.org/v",
                    "png_key": "k.png",
                    "pdf_key": "k.pdf",
                    "png_sha256": "0" * 64,
                    "pdf_sha256": "0" * 64,
                    "issued_at": start,
                }
                for n, pid in enumerate(ids[::10])
            ],
        )
        db.session.commit()
        return event.id


def timed(client, path: str) -> tuple[float, int, int]:
    started = time.perf_counter()
    response = client.get(path)
    body = response.get_data()
    return time.perf_counter() - started, response.status_code, len(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    from tests.databases import PostgresDatabase, sqlite_url

    with tempfile.TemporaryDirectory() as folder:
        pg = None
        if args.database_url:
            pg = PostgresDatabase(args.database_url, f"laurel_bench_{uuid.uuid4().hex[:8]}")
            pg.__enter__()
            url = pg.url
        else:
            url = sqlite_url(Path(folder) / "bench.sqlite")
        try:
            app = migrated_app(url, Path(folder))
            event_id = fill(app, args.participants)
            client = signed_in_client(app)
            os.environ["DATABASE_URL"] = url  # bare_app reads it when imported
            spec = importlib.util.spec_from_file_location("bare", ROOT / "bench" / "bare_app.py")
            bare = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(bare)
            baseline = bare.app.test_client()
            bare_page = "/verify/LAU-BNCH-0000-0000-0000"

            page = f"/events/{event_id}"
            for _ in range(3):  # warm caches, templates, the connection pool
                timed(client, page), timed(baseline, bare_page)
            laurel, searches, bare_times, size, status = [], [], [], 0, 0
            for _ in range(args.runs):
                seconds, status, size = timed(client, page)
                laurel.append(seconds)
                bare_times.append(timed(baseline, bare_page)[0])
                searches.append(timed(client, f"{page}?q=participant%200004&page=2")[0])
            assert status == 200, status
            with app.app_context():
                from app.extensions import db

                db.engine.dispose()
        finally:
            if pg is not None:
                pg.__exit__(None, None, None)

    result = {
        "participants": args.participants,
        "database": "postgresql" if args.database_url else "sqlite",
        "runs": args.runs,
        "event_page_median_ms": round(statistics.median(laurel) * 1000, 1),
        "event_page_max_ms": round(max(laurel) * 1000, 1),
        "search_median_ms": round(statistics.median(searches) * 1000, 1),
        "bare_app_median_ms": round(statistics.median(bare_times) * 1000, 3),
        "ratio": round(statistics.median(laurel) / statistics.median(bare_times), 1),
        "page_bytes": size,
        "goal_ms": 300,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    met = result["event_page_median_ms"] < result["goal_ms"]
    print(f"goal (< {result['goal_ms']} ms server time): {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
