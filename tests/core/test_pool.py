"""Database connections for each execution model (docs/vercel.md, *Connections*).

A serverless instance serves concurrent requests (vc_init's threading server
under Fluid compute), so it keeps a small pool, not one connection; a gunicorn
worker keeps one per thread; a transaction-mode pooler gets no server-side
prepared statements; and a connection is pinged only after sitting idle.
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from app.config import (
    SERVERLESS_MAX_OVERFLOW,
    SERVERLESS_POOL_SIZE,
    engine_options,
    load_config,
    uses_transaction_pooler,
)
from tests.conftest import IN_CI, PG_URL, SECRET

NEON_DIRECT = "postgres://u:p@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb"
NEON_POOLED = "postgres://u:p@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/neondb"
SUPABASE_SESSION = "postgres://postgres.ref:p@aws-0-eu-west-1.pooler.supabase.com:5432/postgres"
SUPABASE_TRANSACTION = "postgres://postgres.ref:p@aws-0-eu-west-1.pooler.supabase.com:6543/postgres"


def options(env: dict[str, str], tmp_path) -> dict:
    return load_config(env, str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"]


def test_a_serverless_instance_keeps_a_pool_for_concurrent_requests(tmp_path):
    serverless = options({"VERCEL": "1", "DATABASE_URL": NEON_DIRECT}, tmp_path)
    assert serverless["pool_size"] == SERVERLESS_POOL_SIZE > 1
    assert serverless["max_overflow"] == SERVERLESS_MAX_OVERFLOW
    assert serverless["pool_recycle"] == 300
    assert "pool_pre_ping" not in serverless


def test_a_gunicorn_worker_keeps_one_connection_per_thread(tmp_path):
    server = options(
        {"RENDER": "true", "DATABASE_URL": NEON_DIRECT, "GUNICORN_THREADS": "8"}, tmp_path
    )
    assert (server["pool_size"], server["max_overflow"]) == (8, 2)


def test_the_pool_can_be_sized_by_setting(tmp_path):
    env = {"VERCEL": "1", "DATABASE_URL": NEON_DIRECT}
    sized = options({**env, "DATABASE_POOL_SIZE": "2", "DATABASE_MAX_OVERFLOW": "0"}, tmp_path)
    assert (sized["pool_size"], sized["max_overflow"]) == (2, 0)
    # Nonsense falls back to the defaults rather than to a pool of nothing.
    odd = options({**env, "DATABASE_POOL_SIZE": "0", "DATABASE_MAX_OVERFLOW": "x"}, tmp_path)
    assert (odd["pool_size"], odd["max_overflow"]) == (SERVERLESS_POOL_SIZE, 2)


@pytest.mark.parametrize(
    ("url", "setting", "expected"),
    [
        (NEON_DIRECT, None, False),
        (NEON_POOLED, None, True),
        (SUPABASE_SESSION, None, False),
        (SUPABASE_TRANSACTION, None, True),
        ("postgres://u@10.0.0.5:6432/d", None, False),
        ("postgres://u@10.0.0.5:6432/d", "transaction", True),
        ("postgres://u@10.0.0.5:6432/d", "PgBouncer", True),
        (NEON_POOLED, "none", False),
        (SUPABASE_TRANSACTION, "session", False),
    ],
)
def test_transaction_poolers_are_recognised(url, setting, expected):
    assert uses_transaction_pooler(url, setting) is expected


def test_a_transaction_pooler_gets_no_prepared_statements(tmp_path):
    pooled = options({"VERCEL": "1", "DATABASE_URL": SUPABASE_TRANSACTION}, tmp_path)
    direct = options({"VERCEL": "1", "DATABASE_URL": NEON_DIRECT}, tmp_path)
    assert pooled["connect_args"]["prepare_threshold"] is None
    assert "prepare_threshold" not in direct["connect_args"]


def test_sqlite_has_no_pool_settings():
    assert engine_options("sqlite:///x.sqlite", True, 4) == {"connect_args": {"timeout": 15}}


# --- against a real PostgreSQL ----------------------------------------------------


@pytest.fixture
def pg_app(monkeypatch, tmp_path):
    """Apps on the PostgreSQL server of TEST_DATABASE_URL (its own database;
    these tests only connect), made with extra environment variables."""
    if not PG_URL:
        if IN_CI:
            pytest.fail("CI=true but TEST_DATABASE_URL is not set: the pool tests need PostgreSQL")
        pytest.skip("TEST_DATABASE_URL is not set")
    from app import create_app
    from app.extensions import db

    config = {
        "TESTING": True,
        "DATABASE_URL": PG_URL,
        "SECRET_KEY": SECRET,
        "STORAGE_URL": (tmp_path / "storage").as_uri(),
        "CONFIG_PROBLEMS": [],
    }

    def make(**env: str):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        app = create_app(config)
        made.append(app)
        return app

    made: list = []
    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _backend_pid(app) -> int:
    from app.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        return connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


def _terminate(pid: int) -> None:
    from app.config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(PG_URL), poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    engine.dispose()


def test_the_pooler_setting_reaches_psycopg(pg_app):
    from app.extensions import db

    app = pg_app(DATABASE_POOLER="transaction")
    with app.app_context(), db.engine.connect() as connection:
        assert connection.connection.dbapi_connection.prepare_threshold is None
        for _ in range(8):  # psycopg would prepare from the 5th run by default
            connection.execute(sa.text("SELECT 1")).scalar_one()
    plain = pg_app(DATABASE_POOLER="none")
    with plain.app_context(), db.engine.connect() as connection:
        assert connection.connection.dbapi_connection.prepare_threshold == 5


def test_an_idle_connection_that_died_is_replaced(pg_app, monkeypatch):
    monkeypatch.setattr("app.config.PING_IDLE_SECONDS", 0.0)
    app = pg_app()
    from app.extensions import db

    with app.app_context():
        pid = _backend_pid(app)
        _terminate(pid)
        # The pooled connection is dead; the ping on checkout notices and the
        # pool hands out a fresh one instead of failing the request.
        assert _backend_pid(app) != pid
        db.engine.dispose()


def test_a_busy_connection_is_not_pinged(pg_app):
    app = pg_app()
    from app.extensions import db

    with app.app_context():
        pings = []
        dialect = db.engine.dialect
        original = dialect.do_ping

        def counting(dbapi_connection):
            pings.append(1)
            return original(dbapi_connection)

        dialect.do_ping = counting
        for _ in range(5):
            _backend_pid(app)
        assert pings == []


def test_a_serverless_instance_serves_pages_while_one_request_holds_a_connection(pg_app):
    """The starvation vc_init showed: one long request (a checker run) holds a
    connection; the page requests beside it still get theirs at once."""
    app = pg_app(VERCEL="1")
    from app.extensions import db

    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"] > 1
    held = threading.Event()
    release = threading.Event()

    def long_request():
        with app.app_context(), db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            held.set()
            release.wait(30)

    holder = threading.Thread(target=long_request)
    holder.start()
    try:
        assert held.wait(10)
        client = app.test_client()
        results = []

        def page():
            results.append(client.get("/readyz").get_json()["checks"]["database"])

        pages = [threading.Thread(target=page) for _ in range(SERVERLESS_POOL_SIZE)]
        for thread in pages:
            thread.start()
        for thread in pages:
            thread.join(30)
        assert results == [{"ok": True}] * len(pages)  # details need the cron bearer
    finally:
        release.set()
        holder.join(30)
