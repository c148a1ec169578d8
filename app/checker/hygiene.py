"""Storage housekeeping: objects that no row accounts for do not stay.

Browser uploads (`uploads/`) that were never confirmed, and ZIP exports
(`exports/`), carry their creation time at the start of their last key
segment; the checker deletes them a day later. Certificate files belong to
their row (or to a claim until it commits or lapses), templates to their
event; those are removed with what owns them, not here.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

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


def sweep_storage(now: datetime, storage: Storage) -> int:
    """Delete uploads and exports older than a day (or without a stamp); how many went."""
    removed = 0
    try:
        for prefix in SWEPT_PREFIXES:
            for key in storage.list_keys(prefix):
                made = created_at(key)
                if made is None or now - made > MAX_AGE:
                    storage.delete(key)
                    removed += 1
    except StorageError as exc:  # the next run tries again
        log.warning("storage housekeeping stopped: %s", exc)
    return removed


def delete_prefixes(storage: Storage, *prefixes: str) -> None:
    """Remove every object under the prefixes (an event's templates, exports, uploads)."""
    for prefix in prefixes:
        for key in storage.list_keys(prefix):
            storage.delete(key)
