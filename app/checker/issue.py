"""One participant's certificate, as the checker issues it: a failure touches no one else."""

from __future__ import annotations

import enum
import logging
from datetime import datetime

import sqlalchemy as sa

from app.certificates.issuing import (
    IssueError,
    existing_certificate,
    file_digests,
    issue_certificate,
    render_files,
    store_files,
    verify_url,
)
from app.certificates.models import Certificate
from app.checker.failures import record_failure
from app.extensions import db
from app.participants.models import Participant
from app.storage import StorageError, get_storage

log = logging.getLogger(__name__)


class Attempt(enum.StrEnum):
    ISSUED = "issued"
    FAILED = "failed"  # recorded in issue_failures, retried after a delay
    SKIPPED = "skipped"  # someone else issued it first


class RunError(Exception):
    """The run cannot issue anything as configured; the message says what to set."""


def preflight() -> None:
    """Settings that would fail every certificate fail the run instead, once, by name."""
    try:
        verify_url("LAU-0000-0000-0000-0000")
        get_storage()
    except (IssueError, StorageError) as exc:
        raise RunError(str(exc)) from exc


def issue_one(participant: Participant, now: datetime) -> Attempt:
    """Issue inside a savepoint; on failure, record it and leave the batch intact.

    Database errors other than the unique backstop propagate: the run stops.
    """
    try:
        with db.session.begin_nested():
            issue_certificate(participant)
    except sa.exc.IntegrityError as exc:
        existing = existing_certificate(participant.id)
        if existing is None:
            return _failed(participant, exc, now)  # e.g. a code collision: try again later
        # The backstop fired: another writer recorded this certificate first,
        # and our files have just replaced theirs under the same keys.
        log.warning("participant %s already had a certificate", participant.id)
        _restore_files(existing, participant)
        return Attempt.SKIPPED
    except sa.exc.DBAPIError:
        raise
    except Exception as exc:
        return _failed(participant, exc, now)
    return Attempt.ISSUED


def _failed(participant: Participant, exc: Exception, now: datetime) -> Attempt:
    record_failure(participant, exc, now)
    log.warning("certificate for participant %s failed: %s", participant.id, exc, exc_info=exc)
    return Attempt.FAILED


def _restore_files(certificate: Certificate, participant: Participant) -> None:
    """Store the recorded certificate's files again (rendering is deterministic)."""
    try:
        png, pdf = render_files(certificate, participant.event)
        if file_digests(png, pdf) != (certificate.png_sha256, certificate.pdf_sha256):
            raise IssueError("it renders differently now (its template changed)")
        store_files(certificate, png, pdf)
    except Exception:
        log.exception("could not restore the files of certificate %s", certificate.id)
