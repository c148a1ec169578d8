"""Fixed-window rate limits whose counters live in the database.

`attempt` counts one try and says how long to wait when the limit is passed;
`blocked` only looks (`window_hits` and `over_limit` are its two halves, for a
page that looks inside a query of its own); `record` only counts (for failures
noticed after the fact).
Limits come from the THROTTLE setting (rule -> (limit, window seconds)).
"""

from __future__ import annotations

import functools
import hashlib
import math
import time
from typing import NoReturn

import sqlalchemy as sa
from flask import current_app, request
from werkzeug.exceptions import TooManyRequests

from app.extensions import db

# rule: (attempts allowed per window, window in seconds)
DEFAULT_RULES: dict[str, tuple[int, int]] = {
    "signin_account": (10, 15 * 60),  # wrong passwords for one email
    "signin_address": (50, 15 * 60),  # sign-in posts from one client address
    "signup_address": (10, 60 * 60),
    "reset_address": (10, 60 * 60),  # password reset requests from one client address
    "reset_account": (3, 60 * 60),  # reset messages to one address
    "cron_address": (10, 10 * 60),  # wrong cron bearers from one address
    "verify_address": (30, 60),  # lookups of unknown codes from one address
}


def rule_limits(rule: str) -> tuple[int, int]:
    configured = current_app.config.get("THROTTLE") or {}
    return configured.get(rule, DEFAULT_RULES[rule])


def client_address() -> str:
    # ProxyFix (PROXY_FIX_HOPS) has already put the client's own address here.
    return request.remote_addr or "unknown"


def _digest(rule: str, key: str) -> str:
    return hashlib.sha256(f"{rule}\x00{key}".encode("utf-8", "replace")).hexdigest()


def _window(rule: str, now: float) -> tuple[int, int, int]:
    limit, seconds = rule_limits(rule)
    start = int(now // seconds) * seconds
    return limit, start, start + seconds


def _upsert(rule: str, key: str, now: float) -> tuple[int, int, int]:
    from app.security.models import ThrottleWindow

    limit, start, end = _window(rule, now)
    values = {
        "rule": rule,
        "key": _digest(rule, key),
        "window_start": start,
        "hits": 1,
        "expires_at": end,
    }
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(ThrottleWindow).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=["rule", "key", "window_start"],
        set_={"hits": ThrottleWindow.hits + 1},
    ).returning(ThrottleWindow.hits)
    hits = db.session.execute(statement).scalar_one()
    if hits == 1:
        # A new window: the moment to sweep windows that have run out.
        db.session.execute(sa.delete(ThrottleWindow).where(ThrottleWindow.expires_at < int(now)))
    # Committed at once, so that a refused request still counts.
    db.session.commit()
    return hits, limit, end


def _wait(end: int, now: float) -> int:
    return max(1, math.ceil(end - now))


def attempt(rule: str, key: str) -> int | None:
    """Count one try; seconds to wait if that passed the limit, else None."""
    now = time.time()
    hits, limit, end = _upsert(rule, key, now)
    return _wait(end, now) if hits > limit else None


def record(rule: str, key: str) -> None:
    _upsert(rule, key, time.time())


@functools.cache
def window_hits() -> sa.ScalarSelect[int]:
    """The hits of one key's current window (NULL when none), as a scalar subquery
    over the parameters `window_params` gives. `blocked` runs it alone; a page can
    add it to the query it makes anyway, so that looking costs no round trip of its
    own. Built once: only the parameters change between requests."""
    from app.security.models import ThrottleWindow

    return (
        sa.select(ThrottleWindow.hits)
        .where(
            ThrottleWindow.rule == sa.bindparam("throttle_rule"),
            ThrottleWindow.key == sa.bindparam("throttle_key"),
            ThrottleWindow.window_start == sa.bindparam("throttle_start"),
        )
        .scalar_subquery()
    )


def window_params(rule: str, key: str, now: float) -> dict[str, object]:
    _, start, _ = _window(rule, now)
    return {"throttle_rule": rule, "throttle_key": _digest(rule, key), "throttle_start": start}


def over_limit(rule: str, hits: int | None, now: float) -> int | None:
    """Seconds to wait if `hits` (from `window_hits` at `now`) reached the limit, else None."""
    limit, _, end = _window(rule, now)
    return _wait(end, now) if hits is not None and hits >= limit else None


def blocked(rule: str, key: str) -> int | None:
    """Seconds to wait if the limit is already reached, else None; counts nothing."""
    now = time.time()
    hits = db.session.scalar(sa.select(window_hits()), window_params(rule, key, now))
    return over_limit(rule, hits, now)


def refuse(wait: int, what: str) -> NoReturn:
    """A 429 that says what was throttled and when to try again."""
    minutes = f"{math.ceil(wait / 60)} minute{'s' if wait > 60 else ''}"
    raise TooManyRequests(
        f"Too many {what} in a short time. Wait {minutes if wait >= 60 else f'{wait} seconds'} "
        "and try again.",
        retry_after=wait,
    )
