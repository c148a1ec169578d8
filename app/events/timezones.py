"""Time zone names and conversions between an event's wall clock and UTC."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, available_timezones


@functools.cache
def timezone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def is_timezone(name: str) -> bool:
    return name in timezone_names()


def to_utc(local: datetime, zone: str) -> datetime:
    """A wall-clock time in `zone` as aware UTC."""
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def to_local(moment: datetime, zone: str) -> datetime:
    """Aware UTC as naive wall-clock time in `zone`, for form fields."""
    return moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
