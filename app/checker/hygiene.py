"""Storage housekeeping: objects that no row accounts for do not stay.

Browser uploads (`uploads/`) that were never confirmed, and ZIP exports
(`exports/`), carry their creation time at the start of their last key
segment; the checker deletes them a day later. Certificate files belong to
their row, or to a claim until it commits or is taken over; the rare file
that outlives both (a process frozen mid-upload, then exiting) is found by
listing one of 32 slices of `certificates/` per run. Templates go with what
owns them.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.certificates.codes import ALPHABET, PREFIX
from app.storage import Storage, StorageError

MAX_AGE = timedelta(days=1)
SWEPT_PREFIXES = ("uploads/", "exports/")
STAMP_FORMAT = "%Y%m%dT%H%M%S"
_STAMP = re.compile(r"(\d{8}T\d{6})-")

log = logging.getLogger(__name__)


def stamp(moment: datetime) -> str:
    """The creation-time prefix of a swept object's last key segment."""
    return moment.astimezone(UTC).strftime(STAMP_FORMAT)


def created_at(key: str) -> datetime | None:
    match = _STAMP.match(key.rsplit("/", 1)[-1])
    if match is None:
        return None
    return datetime.strptime(match.group(1), STAMP_FORMAT).replace(tzinfo=UTC)


def sweep_storage(now: datetime, storage: Storage, run_id: int, deadline: float) -> int:
    """Delete uploads and exports older than a day (or without a stamp), and orphaned
    certificate files in this run's slice; how many went."""
    removed = 0
    try:
        for prefix in SWEPT_PREFIXES:
            for key in storage.list_keys(prefix):
                made = created_at(key)
                if made is None or now - made > MAX_AGE:
                    storage.delete(key)
                    removed += 1
        removed += sweep_orphans(storage, ALPHABET[run_id % len(ALPHABET)], deadline)
    except StorageError as exc:  # the next run tries again
        log.warning("storage housekeeping stopped: %s", exc)
    return removed


def sweep_orphans(storage: Storage, first_symbol: str, deadline: float) -> int:
    """Delete certificate files whose code no certificate and no claim holds.

    The listing comes first and the rows are read after it: a file listed was
    written under a claim that existed before it, and that claim's code stays
    on a row (the claim, its successor's stale codes, or the certificate the
    same transaction inserted) until its files are accounted for.
    """
    keys = storage.list_keys(f"certificates/{PREFIX}-{first_symbol}")
    codes = {key.removeprefix("certificates/").rsplit(".", 1)[0] for key in keys}
    if not codes:
        return 0
    orphans = codes - _codes_in_use(codes, deadline)
    for key in keys:
        if key.removeprefix("certificates/").rsplit(".", 1)[0] in orphans:
            storage.delete(key)
    return len(orphans)


def _codes_in_use(codes: set[str], deadline: float) -> set[str]:
    from app.certificates.models import Certificate
    from app.checker.claims import write_transaction
    from app.checker.models import IssueClaim
    from app.extensions import db

    with write_transaction(deadline, write=False):
        # Claims first: a code leaves them only when the certificate that carries it
        # is committed (same transaction) or its files are gone. Reading certificates
        # first could miss a code that moved from a claim to a certificate in between.
        used: set[str] = set()
        for code, stale in db.session.execute(sa.select(IssueClaim.code, IssueClaim.stale_codes)):
            used.add(code)
            used.update(stale.split())
        query = sa.select(Certificate.code).where(Certificate.code.in_(codes))
        used.update(db.session.scalars(query))
    return used


def delete_prefixes(storage: Storage, *prefixes: str) -> None:
    """Remove every object under the prefixes (an event's templates, exports, uploads)."""
    for prefix in prefixes:
        for key in storage.list_keys(prefix):
            storage.delete(key)
