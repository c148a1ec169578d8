"""Readiness checks: each answers (ok, detail) and never shows a secret.

Features add their own checks with `register_check` from their `init_app`.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

Check = Callable[[], tuple[bool, str]]


def register_check(app: Flask, name: str, check: Check) -> None:
    app.extensions.setdefault("laurel.checks", {})[name] = check


def run_checks() -> dict[str, dict[str, object]]:
    results: dict[str, dict[str, object]] = {}
    for name, check in current_app.extensions.get("laurel.checks", {}).items():
        try:
            ok, detail = check()
        except Exception as exc:  # a readiness probe reports, it does not crash
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        results[name] = {"ok": ok, "detail": detail}
    return results


def settings_check() -> tuple[bool, str]:
    problems = current_app.config["CONFIG_PROBLEMS"]
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
