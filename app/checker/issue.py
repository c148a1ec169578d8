"""One batch of claimed certificates: render and store with no connection held, then record.

Storage calls get a client whose timeouts fit the time the run has left; a
failure touches only its own participant (recorded in issue_failures and
retried later); an attempt whose claim was lost deletes what it wrote.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from app.certificates.issuing import Files, IssueError, discard, record, verify_url, write_files
from app.checker.claims import Claim, fence, release, write_transaction
from app.checker.failures import clear_failures, record_failure
from app.checker.models import CheckerRun
from app.extensions import db
from app.storage import Storage, StorageError, get_storage

log = logging.getLogger(__name__)


class Attempt(enum.StrEnum):
    ISSUED = "issued"
    FAILED = "failed"  # recorded in issue_failures, retried after a delay
    LOST = "lost"  # the claim lapsed or was taken over: this attempt's files are gone
    SKIPPED = "skipped"  # not attempted (no time, no longer owed): the claim is released
    KEPT = "kept"  # stale files not deleted yet: the claim stays (and lapses), to be retried


class RunError(Exception):
    """The run cannot issue anything as configured; the message says what to set."""


def preflight(base: str | None) -> None:
    """Settings that would fail every certificate fail the run instead, once, by name."""
    try:
        verify_url("LAU-0000-0000-0000-0000", base)
        get_storage()
    except (IssueError, StorageError) as exc:
        raise RunError(str(exc)) from exc


@dataclass
class BatchResult:
    issued: list[str] = field(default_factory=list)  # codes, committed
    failed: int = 0
    attempted: int = 0
    skipped: int = 0  # not attempted for lack of time


def write_batch(claims: list[Claim], clock) -> list[object]:
    """Render and store each claim's files, outside any transaction.

    `clock.storage()` gives storage bounded by the time left, or None once
    there is no room for another certificate; `clock.timed()` times one.
    One outcome per claim: Files, the exception that failed it, or an Attempt
    (SKIPPED, KEPT).
    """
    outcomes: list[object] = []
    for number, claim in enumerate(claims):
        storage = clock.storage(first=number == 0)
        if storage is None:
            # Out of time. A taken-over claim must keep its stale codes until their
            # files are gone, so it stays and lapses; a fresh one is given back.
            outcomes.append(Attempt.KEPT if claim.stale_codes else Attempt.SKIPPED)
            continue
        if claim.stale_codes and not discard(claim.stale_codes, storage):
            outcomes.append(Attempt.KEPT)
            continue
        if claim.draft is None:
            outcomes.append(Attempt.SKIPPED)
            continue
        with clock.timed():
            try:
                outcomes.append(write_files(claim.draft, storage))
            except Exception as exc:
                log.warning("certificate for participant %s failed: %s", claim.participant_id, exc)
                outcomes.append(exc)
    return outcomes


def commit_batch(
    claims: list[Claim],
    outcomes: list[object],
    *,
    run_id: int | None,
    now: datetime,
    deadline: float,
    storage: Storage,
) -> BatchResult:
    """Record the batch in one short transaction, fenced by each claim's token."""
    result = BatchResult()
    lost: list[str] = []
    issued_ids: list[int] = []
    with write_transaction(deadline):
        for claim, outcome in zip(claims, outcomes, strict=True):
            if outcome is Attempt.KEPT:
                continue
            if outcome is Attempt.SKIPPED:
                release([claim])
                result.skipped += claim.draft is not None
                continue
            result.attempted += 1
            if not fence(claim):
                lost.append(claim.code)
                continue
            if isinstance(outcome, Files):
                if _record(claim, outcome, now):
                    result.issued.append(claim.code)
                    issued_ids.append(claim.participant_id)
                else:
                    lost.append(claim.code)
            else:
                record_failure(claim.participant_id, claim.event_id, outcome, now)  # type: ignore[arg-type]
                result.failed += 1
        clear_failures(issued_ids)
        if run_id is not None and (result.issued or result.failed):
            # Counted in the same transaction: a run's record never claims more than committed.
            db.session.execute(
                sa.update(CheckerRun)
                .where(CheckerRun.id == run_id)
                .values(
                    issued=CheckerRun.issued + len(result.issued),
                    failed=CheckerRun.failed + result.failed,
                )
            )
    if lost:
        log.warning("%s attempt(s) lost their claim; deleting their files", len(lost))
        discard(lost, storage)
    return result


def _record(claim: Claim, files: Files, now: datetime) -> bool:
    assert claim.draft is not None
    try:
        with db.session.begin_nested():
            certificate = record(claim.draft, files, now)
            if certificate is not None and certificate.event.email_certificates:
                from app.mail.outbox import queue_certificate

                # In the fenced transaction: the message exists exactly when the certificate does.
                queue_certificate(certificate, now)
            return certificate is not None
    except sa.exc.IntegrityError:
        # The backstop (one current certificate per participant) fired.
        log.warning("participant %s already had a certificate", claim.participant_id)
        return False
