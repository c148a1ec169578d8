"""Time zone names and conversions between an event's wall clock and UTC."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

# Far enough for any real event, and clear of datetime's year-1 and year-9999 edges,
# where converting between zones overflows.
MIN_YEAR = 1970
MAX_YEAR = 2200


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


def local_time_problem(local: datetime, zone: str) -> str | None:
    """Why a wall-clock time cannot be used in `zone`, or None: out of range, or
    skipped by a clock change (a DST gap)."""
    if not MIN_YEAR <= local.year <= MAX_YEAR:
        return f"Use a date between the years {MIN_YEAR} and {MAX_YEAR}."
    round_trip = to_local(to_utc(local, zone), zone)
    if round_trip != local:
        after = first_existing_minute(local, zone)
        shown = f"{after:%H:%M}" if after.date() == local.date() else f"{after:%Y-%m-%d %H:%M}"
        return (
            f"{local:%Y-%m-%d %H:%M} does not exist in {zone}: the clocks skip it (a "
            f"daylight-saving or other clock change). Use a time from {shown} on instead."
        )
    return None


def first_existing_minute(local: datetime, zone: str) -> datetime:
    """The first wall-clock minute at or after `local` that exists in `zone`."""
    moment = local
    for _ in range(2 * 24 * 60):  # gaps are an hour, rarely a day (Samoa, 2011)
        moment += timedelta(minutes=1)
        if to_local(to_utc(moment, zone), zone) == moment:
            return moment
    return moment
