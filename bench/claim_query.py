"""The checker's claim query against the size of the history, on PostgreSQL.

The same due work (one ended event with --due participants owed a certificate)
is claimed, batch of 10 with `FOR UPDATE SKIP LOCKED` in a transaction rolled
back, first with a short history (--small issued participants of past events),
then with a long one (--large). The figure is the ratio long / short: the
query's cost should follow the due work, not the history. The query as it was
before 0005_i16 (no `certified` column, no partial index) is timed on the same
data for comparison.

    nice -n 10 .venv/bin/python bench/claim_query.py [--database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

PER_EVENT = 1_000


def main() -> None:
    from support import database_url_option

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    database_url_option(parser)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

    from app import create_app
    from app.extensions import db
    from tests.checker.helpers import add_participants, make_event, make_organizer
    from tests.databases import PostgresDatabase, migrate

    name = f"laurel_bench_claims_{uuid.uuid4().hex[:8]}"
    with PostgresDatabase(args.database_url, name) as database:
        migrate(database.url)
        app = create_app({"DATABASE_URL": database.url, "TESTING": True, "CONFIG_PROBLEMS": []})
        with app.app_context():
            owner = make_organizer("bench@example.org")
            history = 0
            figures = {}
            for size in (args.small, args.large):
                history = _grow_history(owner, history, size)
                # The event that just ended comes after the history, as in real life.
                db.session.execute(sa.text("DELETE FROM events WHERE title = 'Due'"))
                due_event = make_event(owner, "Due", status="ended", background=False)
                add_participants(due_event, args.due)
                db.session.execute(sa.text("ANALYZE"))
                db.session.commit()
                new, old = _time(_claim_query(), args.repeat), _time(_old_query(), args.repeat)
                figures[size] = new, old
                print(
                    f"history {size:>7,} issued participants: claim query "
                    f"{new * 1000:.3f} ms, before 0005_i16 {old * 1000:.3f} ms"
                )
            new_small, old_small = figures[args.small]
            new_large, old_large = figures[args.large]
            print(
                f"ratio {args.large:,} / {args.small:,} history: {new_large / new_small:.2f} "
                f"(before 0005_i16: {old_large / old_small:.2f}); "
                f"at {args.large:,}: {old_large / new_large:.0f}x faster than before"
            )
            db.engine.dispose()


def _grow_history(owner: int, have: int, want: int) -> int:
    """Past events of PER_EVENT attended participants, each with a current certificate."""
    from app.extensions import db
    from tests.checker.helpers import make_event

    while have < want:
        event_id = make_event(owner, f"Past {have}", status="ended", background=False)
        count = min(PER_EVENT, want - have)
        db.session.execute(
            sa.text(
                "INSERT INTO participants (event_id, name, email, attended, certified, created_at) "
                "SELECT :e, 'P ' || n, 'p' || n || '@past.example', true, true, now() "
                "FROM generate_series(1, :count) AS n"
            ),
            {"e": event_id, "count": count},
        )
        db.session.execute(
            sa.text(
                "INSERT INTO certificates (participant_id, event_id, code, holder_name, "
                "event_title, event_date, language, issuer, verify_url, png_key, pdf_key, "
                "png_sha256, pdf_sha256, issued_at) "
                "SELECT id, event_id, 'LAU-' || id, name, 'Past', '1 May 2026', 'en', 'b', "
                "'https://x/verify/' || id, 'k' || id, 'k' || id, '', '', now() "
                "FROM participants WHERE event_id = :e"
            ),
            {"e": event_id},
        )
        have += count
    db.session.commit()
    return have


def _claim_query():
    from app.checker.work import due
    from app.database import utcnow
    from app.participants.models import Participant

    return due(utcnow()).limit(10).with_for_update(skip_locked=True, of=Participant)


def _old_query():
    """`due()` as it was: without the `certified` narrowing the partial index serves."""
    from app.checker.work import _claimed, _waiting, owed
    from app.database import utcnow
    from app.participants.models import Participant

    now = utcnow()
    conditions = [c for c in owed() if "certified" not in str(c)]
    query = sa.select(Participant).where(*conditions, ~_claimed(), ~_waiting(now))
    query = query.order_by(Participant.id).limit(10)
    return query.with_for_update(skip_locked=True, of=Participant)


def _time(query, repeat: int) -> float:
    """Median seconds of one claim query, in a transaction rolled back."""
    from app.extensions import db

    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        rows = db.session.execute(query).all()
        samples.append(time.perf_counter() - started)
        db.session.rollback()
        assert len(rows) == 10, rows
    return statistics.median(samples)


if __name__ == "__main__":
    main()
