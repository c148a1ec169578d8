"""The SQLAlchemy extension made lazy, and the column types every model shares.

Flask-SQLAlchemy builds its engines in `init_app`, and building an engine
imports the database driver. Deferring that to the first query keeps psycopg
off the import path of requests that never touch the database (`/healthz`,
static files) and keeps `create_app()` free of I/O.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import orm
from werkzeug.routing import IntegerConverter

# Primary keys are 32-bit INTEGER on PostgreSQL; larger ids cannot exist.
MAX_ID = 2**31 - 1


class DatabaseId(IntegerConverter):
    """An id in a URL: 1 to MAX_ID, digits only."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class _PendingEngine:
    """Engine options waiting for their first use."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options

    def dispose(self) -> None:
        """Nothing to close yet."""


class LazySQLAlchemy(SQLAlchemy):
    """`SQLAlchemy` whose engines are created on first access."""

    _lock = threading.Lock()

    def _make_engine(self, bind_key: str | None, options: dict[str, Any], app: Flask) -> Any:
        return _PendingEngine(options)

    @property
    def engines(self) -> dict[str | None, sa.engine.Engine]:
        engines = super().engines
        if any(isinstance(e, _PendingEngine) for e in engines.values()):
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            with self._lock:
                for key, pending in list(engines.items()):
                    if isinstance(pending, _PendingEngine):
                        options = dict(pending.options)
                        idle = options.pop("ping_idle_seconds", None)
                        _ensure_sqlite_folder(options["url"])
                        engine = super()._make_engine(key, options, app)
                        if engine.dialect.name == "sqlite":
                            sa.event.listen(engine, "connect", _sqlite_pragmas)
                        if idle is not None:
                            ping_when_idle(engine, idle)
                        engines[key] = engine
        return engines  # type: ignore[return-value]


def ping_when_idle(engine: sa.engine.Engine, idle_seconds: float) -> None:
    """Check a pooled connection before use only if it sat idle for
    `idle_seconds`: what `pool_pre_ping` does, without its round trip on
    every request of a busy instance. A dead connection is replaced (the pool
    retries on DisconnectionError)."""

    def checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["laurel.idle_since"] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("laurel.idle_since", None)
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise sa.exc.DisconnectionError(str(exc)) from exc
        if not alive:
            raise sa.exc.DisconnectionError("the connection did not answer a ping")

    sa.event.listen(engine, "checkin", checkin)
    sa.event.listen(engine, "checkout", checkout)


def _ensure_sqlite_folder(url: sa.engine.URL | str) -> None:
    """SQLite creates the file but not its folder (instance/ on a fresh clone)."""
    url = sa.engine.make_url(url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """Enforce foreign keys (SQLite ignores them by default) and let readers
    proceed while a writer works."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


class Base(orm.DeclarativeBase):
    """Declarative base with constraint names Alembic can refer to."""

    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC datetimes on every database.

    SQLite forgets the offset; normalising on the way in and out makes the
    same code see the same values on SQLite and PostgreSQL.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; pass an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _render_item(kind: str, obj: Any, _context: Any) -> str | bool:
    """Write our column types as plain SQLAlchemy ones in revisions, so that
    a revision never depends on app code that may change later."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


class _LazyMigrateConfig:
    """Stands in for Flask-Migrate's config until a `flask db` command needs it.

    Flask-Migrate imports Alembic; requests never need either.
    """

    def __init__(self, app: Flask, db: SQLAlchemy, directory: str) -> None:
        self._app, self._db, self._directory = app, db, directory

    def __getattr__(self, name: str) -> Any:
        from flask_migrate import Migrate

        Migrate(
            self._app,
            self._db,
            directory=self._directory,
            compare_type=True,
            render_as_batch=True,
            render_item=_render_item,
        )
        return getattr(self._app.extensions["migrate"], name)


class _LazyMigrateCommands(click.Group):
    """`flask db`: Flask-Migrate's own command group, loaded when it runs."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        from flask_migrate.cli import db as commands

        return commands.make_context(info_name, args, parent=parent, **extra)


def init_app(app: Flask, db: SQLAlchemy, migrations_dir: str) -> None:
    db.init_app(app)
    app.extensions["migrate"] = _LazyMigrateConfig(app, db, migrations_dir)
    app.cli.add_command(_LazyMigrateCommands("db", help="Database migrations (Alembic)."))


def migration_state() -> tuple[str | None, str | None]:
    """The database's Alembic revision and the code's head revision.

    The revision is read with one query rather than through Alembic's
    MigrationContext, which logs two INFO lines each time (on every /readyz);
    the head is read from the revision files once per process.
    """
    from app.extensions import db

    head = current_app.extensions.get("laurel.migration_head")
    if head is None:
        # Importing alembic.script sets up Alembic's autogenerate plugins,
        # logging one INFO line each wherever the root logger shows INFO
        # (vc_init's does).
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
        from alembic.script import ScriptDirectory

        config = current_app.extensions["migrate"].migrate.get_config()
        head = ScriptDirectory.from_config(config).get_current_head()
        current_app.extensions["laurel.migration_head"] = head
    with db.engine.connect() as connection:
        current = None
        if sa.inspect(connection).has_table("alembic_version"):
            current = connection.execute(
                sa.text("SELECT version_num FROM alembic_version")
            ).scalar()
    return current, head
