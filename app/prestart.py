"""Migrate before serving, on platforms that have no release phase.

Render (preDeployCommand), Railway (preDeployCommand) and Fly
(release_command) run `flask db upgrade` once per deploy, before any new
instance starts. A plain Docker host, docker compose, or a platform without
such a phase starts the server directly; there `scripts/prestart.sh` runs
`python -m app.prestart` first when RUN_MIGRATIONS_ON_START is true. It

1. waits for the database, with a bounded number of attempts
   (DATABASE_WAIT_SECONDS, default 60), so that a server started together with
   its database does not crash-loop;
2. takes a PostgreSQL advisory lock, so that of several instances starting at
   once exactly one migrates and the others wait for it and then find the
   schema at head (MIGRATION_LOCK_SECONDS bounds the wait, default 300);
3. upgrades to head, or says that there is nothing to do.

SQLite has no advisory locks and no concurrent starters; it just upgrades.
Nothing here runs at import.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping

import click

# Any constant works as long as every instance uses the same one; this one
# spells "laurel-m" in ASCII so that it is recognisable in pg_locks.
ADVISORY_LOCK_KEY = 0x6C617572656C2D6D
DEFAULT_WAIT_SECONDS = 60.0
DEFAULT_LOCK_SECONDS = 300.0


class PrestartError(click.ClickException):
    """A prestart step that cannot complete; the message says which and why."""


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return max(float(raw), 0.0)
    except ValueError:
        raise PrestartError(f"{name} must be a number of seconds; got {raw!r}.") from None


def _say(message: str) -> None:
    click.echo(f"prestart: {message}", err=True)


def wait_for_database(
    connect: Callable[[], object], timeout: float, sleep: Callable[[float], None] = time.sleep
) -> int:
    """Call `connect` until it succeeds or `timeout` seconds have passed.

    Returns the number of attempts; raises PrestartError naming the last error.
    """
    import sqlalchemy as sa

    deadline = time.monotonic() + timeout
    attempt, delay = 0, 0.5
    while True:
        attempt += 1
        try:
            connect()
        except sa.exc.DBAPIError as exc:
            reason = f"{type(exc.orig).__name__}: {str(exc.orig).strip().splitlines()[0]}"
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PrestartError(
                    f"the database did not answer within {timeout:.0f} s "
                    f"({attempt} attempts); last error: {reason}. "
                    "Check DATABASE_URL, or raise DATABASE_WAIT_SECONDS."
                ) from None
            _say(f"database not ready ({reason}); retrying")
            sleep(min(delay, remaining))
            delay = min(delay * 2, 5.0)
        else:
            return attempt


def _probe(engine: object) -> Callable[[], None]:
    import sqlalchemy as sa

    def connect() -> None:
        with engine.connect() as connection:  # type: ignore[attr-defined]
            connection.execute(sa.text("SELECT 1"))

    return connect


def _upgrade_if_needed() -> tuple[str | None, str | None, bool]:
    """Upgrade to head unless already there: (before, head, upgraded)."""
    from flask_migrate import upgrade

    from app.database import migration_state

    current, head = migration_state()
    if current == head:
        return current, head, False
    upgrade()
    return current, head, True


def _with_advisory_lock(engine: object, timeout: float, work: Callable[[], object]) -> object:
    """Run `work` while holding the session-level advisory lock."""
    import sqlalchemy as sa

    with engine.connect() as connection:  # type: ignore[attr-defined]
        deadline = time.monotonic() + timeout
        announced = False
        while not connection.execute(
            sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
        ).scalar():
            connection.commit()
            if time.monotonic() >= deadline:
                raise PrestartError(
                    f"another instance held the migration lock for more than {timeout:.0f} s; "
                    "is a migration stuck? Raise MIGRATION_LOCK_SECONDS or look at pg_locks."
                )
            if not announced:
                _say("another instance is migrating; waiting for it")
                announced = True
            time.sleep(0.25)
        connection.commit()
        try:
            return work()
        finally:
            connection.execute(
                sa.text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
            )
            connection.commit()


def run(env: Mapping[str, str] | None = None) -> None:
    """Wait for the database, then migrate it under the lock."""
    import sqlalchemy as sa
    from flask import current_app

    env = os.environ if env is None else env
    wait = _seconds(env, "DATABASE_WAIT_SECONDS", DEFAULT_WAIT_SECONDS)
    lock_wait = _seconds(env, "MIGRATION_LOCK_SECONDS", DEFAULT_LOCK_SECONDS)

    url = sa.engine.make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    # A connection of its own, outside the app's pool: it holds the lock.
    engine = sa.create_engine(
        url,
        poolclass=sa.pool.NullPool,
        connect_args={"connect_timeout": 5} if url.get_backend_name() == "postgresql" else {},
    )
    try:
        attempts = wait_for_database(_probe(engine), wait)
        _say(f"database answers ({url.get_backend_name()}, {attempts} attempt(s))")
        if url.get_backend_name() == "postgresql":
            result = _with_advisory_lock(engine, lock_wait, _upgrade_if_needed)
        else:
            result = _upgrade_if_needed()
    finally:
        engine.dispose()
    before, head, upgraded = result  # type: ignore[misc]
    if upgraded:
        _say(f"migrated the database from {before or 'an empty schema'} to {head}")
    else:
        _say(f"database already at head {head}; nothing to migrate")


@click.command("prestart")
def prestart_command() -> None:
    """Wait for the database and migrate it under a lock (see app/prestart.py)."""
    run()


def init_app(app: object) -> None:
    """Register `flask prestart` (optional: scripts/prestart.sh does not need it)."""
    app.cli.add_command(prestart_command)  # type: ignore[attr-defined]


def main() -> int:
    """`python -m app.prestart`: the same as `flask prestart`, without the CLI wiring."""
    from app import create_app

    app = create_app()
    problems = [p for p in app.config["CONFIG_PROBLEMS"] if p.setting == "DATABASE_URL"]
    if problems:
        _say(problems[0].message)
        return 1
    try:
        with app.app_context():
            run()
    except click.ClickException as exc:
        _say(f"error: {exc.format_message()}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
