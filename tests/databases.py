"""Test databases: a migrated SQLite template, or a throwaway PostgreSQL database."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

KEEP_TABLES = {"alembic_version"}


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def migrate(url: str) -> None:
    """Build the schema the way production does: `flask db upgrade`."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    app = create_app({"DATABASE_URL": url, "TESTING": True})
    with app.app_context():
        upgrade()
        db.engine.dispose()


class PostgresDatabase:
    """A database of its own on the server that TEST_DATABASE_URL names."""

    def __init__(self, server_url: str, name: str) -> None:
        from app.config import normalise_database_url

        self.admin = sa.engine.make_url(normalise_database_url(server_url))
        self.url = self.admin.set(database=name).render_as_string(hide_password=False)
        self.name = name
        self._engine: sa.Engine | None = None

    def _admin_execute(self, statement: str) -> None:
        engine = sa.create_engine(self.admin, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(sa.text(statement))
        finally:
            engine.dispose()

    def __enter__(self) -> PostgresDatabase:
        self._admin_execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._admin_execute(f'CREATE DATABASE "{self.name}"')
        return self

    def truncate(self) -> None:
        if self._engine is None:
            self._engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        with self._engine.begin() as connection:
            tables = [
                name for name in sa.inspect(connection).get_table_names() if name not in KEEP_TABLES
            ]
            if tables:
                quoted = ", ".join(f'"{t}"' for t in tables)
                connection.execute(sa.text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))

    def __exit__(self, *exc: object) -> None:
        if self._engine is not None:
            self._engine.dispose()
        self._admin_execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
