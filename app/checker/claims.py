"""Claims: one attempt's right to issue a participant's certificate, for a lease.

A claim is a row in `issue_claims`, taken in a short transaction and committed
before anything is rendered or stored, so no database connection is held while
files are made. Claiming is serialised per participant: on PostgreSQL with
`FOR UPDATE SKIP LOCKED` on the participant rows (concurrent runs take
disjoint batches), on SQLite with the database's write lock (`BEGIN
IMMEDIATE`). The claim's primary key is the participant, so two live claims
for one participant cannot exist; a lapsed claim is taken over, and the files
its attempt may have written are deleted.

Every transaction here is bounded by the run's deadline: PostgreSQL gets
`statement_timeout` and `lock_timeout` set to the time left, SQLite's busy
timeout never waits past it.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.certificates.codes import new_code
from app.certificates.issuing import Draft, draft
from app.checker.models import CheckerRun, IssueClaim
from app.checker.work import _waiting, due, owed
from app.credentials.models import allocate_slots
from app.database import utcnow
from app.extensions import db
from app.participants.models import Participant

PG_IDLE_MIN_MS = 1_000
# Longest single wait for SQLite's write lock before checking the budget again.
SQLITE_LOCK_WAIT_SECONDS = 5.0
# A statement never gets less than this, so that a run at its very end can still record itself.
MIN_STATEMENT_MS = 200


class ClaimTimeout(Exception):
    """The database did not let this transaction start before the run's deadline."""


@contextmanager
def write_transaction(deadline: float, *, write: bool = True) -> Iterator[None]:
    """A transaction of its own that may write, committed on exit, rolled back on error.

    No statement in it may run past `deadline` (time.monotonic): on SQLite it
    waits for the write lock (unless `write` is False) no later than that,
    then raises ClaimTimeout; on PostgreSQL the server cancels statements
    and lock waits at that point.
    """
    db.session.commit()
    try:
        if db.engine.dialect.name == "sqlite":
            if write:  # WAL readers never wait for the lock
                _begin_immediate(deadline)
        else:
            _postgres_limits(deadline)
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def _postgres_limits(deadline: float) -> None:
    left_ms = max(MIN_STATEMENT_MS, int((deadline - time.monotonic()) * 1000))
    for setting, value in (
        ("statement_timeout", left_ms),
        ("lock_timeout", left_ms),
        # These transactions never wait on Python for long: one that idles
        # past the deadline belongs to a frozen process and must not keep its locks.
        ("idle_in_transaction_session_timeout", max(left_ms, PG_IDLE_MIN_MS)),
    ):
        db.session.execute(sa.text(f"SET LOCAL {setting} = {int(value)}"))


@dataclass(frozen=True)
class Claim:
    participant_id: int
    event_id: int
    token: str
    code: str
    stale_codes: tuple[str, ...]  # lapsed attempts: their files are deleted first
    draft: Draft | None  # None: no longer owed; the claim only cleans up


def claim_batch(
    *,
    run_id: int | None,
    now: datetime,
    event_id: int | None,
    participant_id: int | None,
    size: int,
    lease_until: datetime,
    deadline: float,
    verify_base: str | None,
) -> list[Claim]:
    """Take up to `size` claims, committed: lapsed ones first, then new ones for due work."""
    token = secrets.token_hex(16)
    sqlite = db.engine.dialect.name == "sqlite"
    with write_transaction(deadline):
        scope = sa.select(Participant.id)
        if event_id is not None:
            scope = scope.where(Participant.event_id == event_id)
        if participant_id is not None:
            scope = scope.where(Participant.id == participant_id)
        lapsed = (
            sa.select(IssueClaim)
            .where(IssueClaim.expires_at <= utcnow(), IssueClaim.participant_id.in_(scope))
            .order_by(IssueClaim.participant_id)
            .limit(size)
        )
        if not sqlite:
            lapsed = lapsed.with_for_update(skip_locked=True)
        taken = 0
        for claim in db.session.scalars(lapsed):
            claim.stale_codes = " ".join(claim.codes())
            claim.code, claim.token, claim.run_id = new_code(), token, run_id
            claim.expires_at = lease_until
            taken += 1
        db.session.flush()
        _claim_due(size - taken, now, event_id, participant_id, run_id, token, lease_until, sqlite)
        if run_id is not None:
            db.session.execute(
                sa.update(CheckerRun).where(CheckerRun.id == run_id).values(expires_at=lease_until)
            )
        return _drafts(token, now, verify_base)


def _claim_due(
    wanted: int,
    now: datetime,
    event_id: int | None,
    participant_id: int | None,
    run_id: int | None,
    token: str,
    lease_until: datetime,
    sqlite: bool,
) -> None:
    """Claim up to `wanted` due participants, trying again after a lost race.

    On PostgreSQL each statement reads its own snapshot, and `SKIP LOCKED`
    skips only rows locked at that moment: a run that committed its claims
    after our snapshot but before we reached its rows leaves them unlocked and,
    to us, unclaimed. Our inserts for them then do nothing. The next statement
    sees those claims, so it picks other participants; without trying again
    the batch would come back empty while work is due, and the run would end
    as if everything were held.
    """
    while wanted > 0:
        query = due(now, event_id, participant_id).limit(wanted)
        if not sqlite:
            query = query.with_for_update(skip_locked=True, of=Participant)
        ids = [participant.id for participant in db.session.scalars(query)]
        if not ids:
            return
        inserted = _insert_claims(ids, run_id, token, lease_until, sqlite)
        if inserted == len(ids):
            return  # no race lost: fewer ids than wanted means nothing else is due
        wanted -= inserted


def _insert_claims(
    ids: list[int], run_id: int | None, token: str, lease_until: datetime, sqlite: bool
) -> int:
    if sqlite:
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert
    rows = [
        {
            "participant_id": pid,
            "run_id": run_id,
            "token": token,
            "code": new_code(),
            "stale_codes": "",
            "expires_at": lease_until,
        }
        for pid in ids
    ]
    # A participant that another run claimed after our snapshot was taken keeps that claim.
    statement = insert(IssueClaim).values(rows).on_conflict_do_nothing()
    return len(db.session.scalars(statement.returning(IssueClaim.participant_id)).all())


def _drafts(token: str, now: datetime, verify_base: str | None) -> list[Claim]:
    """Our claims, each with what to issue if the participant is still owed.

    A new statement sees what other runs committed meanwhile, so a participant
    whose certificate was committed while we waited for its lock is not owed.
    """
    claims = list(
        db.session.scalars(
            sa.select(IssueClaim)
            .where(IssueClaim.token == token)
            .order_by(IssueClaim.participant_id)
        )
    )
    if not claims:
        return []
    query = sa.select(Participant).where(
        Participant.id.in_([claim.participant_id for claim in claims]), *owed(), ~_waiting(now)
    )
    participants = {participant.id: participant for participant in db.session.scalars(query)}
    slots = allocate_slots([c.code for c in claims if c.participant_id in participants])
    issued_at = utcnow()
    result = []
    for claim in claims:
        participant = participants.get(claim.participant_id)
        result.append(
            Claim(
                participant_id=claim.participant_id,
                event_id=participant.event_id if participant else 0,
                token=token,
                code=claim.code,
                stale_codes=tuple(claim.stale_codes.split()),
                draft=draft(participant, claim.code, issued_at, verify_base, slots[claim.code])
                if participant
                else None,
            )
        )
    return result


def fence(claim: Claim) -> bool:
    """Delete our claim if its token still matches and its lease still runs.

    Inside the commit transaction: True means this attempt may record its
    certificate; False means a later attempt took over (or will), so ours lost.
    """
    deleted = db.session.execute(
        sa.delete(IssueClaim).where(
            IssueClaim.participant_id == claim.participant_id,
            IssueClaim.token == claim.token,
            IssueClaim.expires_at > utcnow(),
        )
    )
    return deleted.rowcount == 1


def release(claims: list[Claim]) -> None:
    """Give back claims this attempt did not use (inside the caller's transaction)."""
    for claim in claims:
        db.session.execute(
            sa.delete(IssueClaim).where(
                IssueClaim.participant_id == claim.participant_id,
                IssueClaim.token == claim.token,
            )
        )


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
