"""Claiming participants so that overlapping runs never issue the same certificate.

PostgreSQL: the batch's participant rows are locked with `FOR UPDATE SKIP
LOCKED` until the batch commits, so concurrent runs take disjoint batches and
render in parallel.

SQLite has no row locks: a batch takes the database's write lock
(`BEGIN IMMEDIATE`) before it picks participants and keeps it until it
commits, so batches from every process on the host run one after another.

Either way the lock covers render, store and insert, and is released by the
database when the process dies. The unique certificates.participant_id is
only the backstop.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa

from app.certificates.models import Certificate
from app.checker.work import due
from app.extensions import db
from app.participants.models import Participant

# A run killed without closing its connection (a frozen serverless instance)
# must not hold participant locks until TCP gives up on it.
PG_IDLE_IN_TRANSACTION_MS = 300_000
# Longest single wait for SQLite's write lock before checking the budget again.
SQLITE_LOCK_WAIT_SECONDS = 5.0
SQLITE_HANDOVER_SECONDS = 0.1


class ClaimTimeout(Exception):
    """The write lock did not come free before the run's deadline."""


@contextmanager
def write_transaction(deadline: float) -> Iterator[None]:
    """A transaction of its own that may write, committed on exit, rolled back on error.

    On SQLite it holds the database's write lock from the start, waiting for it
    no later than `deadline` (time.monotonic), then raising ClaimTimeout: every
    write the checker makes queues this way, never on the driver's fixed timeout.
    """
    db.session.commit()
    try:
        if db.engine.dialect.name == "sqlite":
            _begin_immediate(deadline)
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


@contextmanager
def claimed_batch(
    now: datetime, event_id: int | None, size: int, deadline: float
) -> Iterator[list[Participant]]:
    """Yield up to `size` participants only this run may issue; commit on exit.

    An exception rolls the batch back and releases the claim.
    """
    sqlite = db.engine.dialect.name == "sqlite"
    with write_transaction(deadline):
        query = due(now, event_id).limit(size)
        if not sqlite:
            timeout = f"SET LOCAL idle_in_transaction_session_timeout = {PG_IDLE_IN_TRANSACTION_MS}"
            db.session.execute(sa.text(timeout))
            query = query.with_for_update(skip_locked=True, of=Participant)
        while True:
            claimed = list(db.session.scalars(query))
            batch = _without_certificates(claimed)
            # Claimed only participants finished meanwhile: look again (a new
            # statement sees their certificates), rather than report "nothing due".
            if batch or not claimed:
                break
        yield batch
    if sqlite and batch:
        # SQLite's busy handler polls every 100 ms at most; without a pause this
        # process would take the lock straight back and starve every other writer.
        time.sleep(SQLITE_HANDOVER_SECONDS)


def _without_certificates(batch: list[Participant]) -> list[Participant]:
    """Drop participants whose certificate was committed while we waited for their lock.

    Under READ COMMITTED, PostgreSQL evaluates the claim's WHERE against the
    snapshot taken when the statement began; a row that another run locked,
    issued and released meanwhile is returned although it is done now.
    """
    if not batch:
        return batch
    ids = [participant.id for participant in batch]
    query = sa.select(Certificate.participant_id).where(Certificate.participant_id.in_(ids))
    done = set(db.session.scalars(query))
    return [participant for participant in batch if participant.id not in done]


def _begin_immediate(deadline: float) -> None:
    """Take SQLite's write lock, waiting no later than `deadline` (time.monotonic)."""
    connection = db.session.connection()
    original = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    try:
        while True:
            left = deadline - time.monotonic()
            wait_ms = max(1, int(min(left, SQLITE_LOCK_WAIT_SECONDS) * 1000))
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {wait_ms}")
            try:
                # pysqlite opens no transaction of its own before this statement,
                # so ours is the one the session commits.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except sa.exc.OperationalError as exc:
                if "locked" not in str(exc.orig) and "busy" not in str(exc.orig):
                    raise
            if time.monotonic() >= deadline:
                raise ClaimTimeout("other runs held SQLite's write lock until the deadline")
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(original or 0)}")
