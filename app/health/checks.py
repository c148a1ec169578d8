"""Readiness checks: each answers (ok, detail) and never shows a secret.

Features add their own checks with `register_check` from their `init_app`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app

Check = Callable[[], tuple[bool, str]]


@dataclass
class Registered:
    check: Check
    # Details may name buckets, endpoints and paths: shown only to the cron bearer.
    public_detail: bool
    # A check that writes (storage) answers from a short per-process cache, so
    # that a probe every few seconds does not write an object every time.
    cache_seconds: float
    cached: tuple[float, bool, str] | None = None


_cache_lock = threading.Lock()


def register_check(
    app: Flask, name: str, check: Check, *, public_detail: bool = False, cache_seconds: float = 0
) -> None:
    app.extensions.setdefault("laurel.checks", {})[name] = Registered(
        check, public_detail, cache_seconds
    )


def _run(entry: Registered) -> tuple[bool, str]:
    now = time.monotonic()
    if entry.cached and now - entry.cached[0] < entry.cache_seconds:
        return entry.cached[1], entry.cached[2]
    try:
        ok, detail = entry.check()
    except Exception as exc:  # a readiness probe reports, it does not crash
        ok, detail = False, f"{type(exc).__name__}: {exc}"
    if entry.cache_seconds:
        with _cache_lock:
            entry.cached = (now, ok, detail)
    return ok, detail


def run_checks(details: bool) -> dict[str, dict[str, object]]:
    results: dict[str, dict[str, object]] = {}
    for name, entry in current_app.extensions.get("laurel.checks", {}).items():
        ok, detail = _run(entry)
        results[name] = {"ok": ok}
        if details or entry.public_detail:
            results[name]["detail"] = detail
    return results


def settings_check() -> tuple[bool, str]:
    """Names (never values) of settings that are missing, weak or wrong."""
    from app.config import readiness_problems

    problems = current_app.config["CONFIG_PROBLEMS"] + readiness_problems(current_app.config)
    if problems:
        return False, "missing or invalid: " + ", ".join(p.setting for p in problems)
    return True, "required settings present"


def database_check() -> tuple[bool, str]:
    import sqlalchemy as sa

    from app.extensions import db

    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.DBAPIError as exc:
        return False, f"unreachable: {type(exc.orig).__name__}"
    return True, "reachable"


def migrations_check() -> tuple[bool, str]:
    import sqlalchemy as sa

    from app.database import migration_state

    try:
        current, head = migration_state()
    except sa.exc.DBAPIError as exc:
        return False, f"cannot read the revision: {type(exc.orig).__name__}"
    if current == head:
        return True, f"at head {head}"
    return False, f"database at {current or 'no revision'}, code at {head}: run flask db upgrade"
