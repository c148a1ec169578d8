"""scripts/prestart.sh (the image's entrypoint) with RUN_MIGRATIONS_ON_START:
instances that start together against an empty database migrate it once,
and every one of them goes on to serve."""

from __future__ import annotations

import sqlalchemy as sa

from tests.containers.conftest import SECRET, ProxyClient, compose_interpolate, run
from tests.containers.dockerfile import ROOT
from tests.containers.gunicorn_server import (
    free_port,
    image_command,
    image_environment,
    start_gunicorn,
    stop_quietly,
    wait_until_healthy,
)


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head()


def current_revision(url: str) -> list[str]:
    from app.config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
            )
    finally:
        engine.dispose()


def test_two_instances_started_together_migrate_once_and_both_serve(empty_database, tmp_path):
    env = {
        "DATABASE_URL": empty_database,
        "SECRET_KEY": SECRET,
        "STORAGE_URL": (tmp_path / "storage").as_uri(),
        "RUN_MIGRATIONS_ON_START": "true",
        "WEB_CONCURRENCY": "1",
    }
    # Both processes exist before either is waited for: they race for real.
    servers = [start_gunicorn(env, log_dir=tmp_path, wait=False) for _ in range(2)]
    try:
        for server in servers:
            wait_until_healthy(server, timeout=90)
        for server in servers:
            assert ProxyClient(server.base_url).get("/healthz").status == 200
            ready = ProxyClient(server.base_url).get("/readyz").json()
            assert ready["checks"]["migrations"]["ok"], ready
        logs = [server.log() for server in servers]
    finally:
        for server in servers:
            stop_quietly(server)

    joined = "\n----\n".join(logs)
    migrated = [log for log in logs if "prestart: migrated the database" in log]
    at_head = [log for log in logs if "prestart: database already at head" in log]
    assert len(migrated) == 1, f"exactly one instance must migrate:\n{joined}"
    assert len(at_head) == 1, f"the other must find the schema at head:\n{joined}"
    assert "Traceback" not in joined and "error" not in joined.lower(), joined
    assert current_revision(empty_database) == [head_revision()]


def test_a_held_lock_times_out_with_a_message(empty_database):
    from app.config import normalise_database_url
    from app.prestart import ADVISORY_LOCK_KEY

    engine = sa.create_engine(normalise_database_url(empty_database), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as holder:
            holder.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
            env = {
                "DATABASE_URL": empty_database,
                "SECRET_KEY": SECRET,
                "RUN_MIGRATIONS_ON_START": "true",
                "MIGRATION_LOCK_SECONDS": "1",
            }
            result = run(image_command(), env=image_environment(env), cwd=ROOT, timeout=60)
    finally:
        engine.dispose()
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "held the migration lock for more than 1 s" in output, output
    assert "Booting worker" not in output, output
    assert current_revision_or_none(empty_database) is None


def current_revision_or_none(url: str) -> str | None:
    try:
        revisions = current_revision(url)
    except sa.exc.ProgrammingError:
        return None
    return revisions[0] if revisions else None


def test_sqlite_just_upgrades(tmp_path):
    database = tmp_path / "laurel.sqlite"
    env = {
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": SECRET,
        "RUN_MIGRATIONS_ON_START": "true",
    }
    result = run(
        [*image_command()[:2], "true"],  # the entrypoint, then a command that does nothing
        env=image_environment(env),
        cwd=ROOT,
        timeout=60,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "prestart: migrated the database" in output, output
    assert current_revision(f"sqlite:///{database}") == [head_revision()]


def test_without_the_setting_nothing_is_migrated(empty_database, tmp_path):
    env = {"DATABASE_URL": empty_database, "SECRET_KEY": SECRET}
    result = run([*image_command()[:2], "true"], env=image_environment(env), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "prestart" not in result.stdout + result.stderr
    assert current_revision_or_none(empty_database) is None
    # ... and the server still starts: /healthz needs nothing.
    server = start_gunicorn({**env, "STORAGE_URL": (tmp_path / "s").as_uri()}, port=free_port())
    try:
        ready = ProxyClient(server.base_url).get("/readyz")
        assert ready.status == 503, ready.text
        assert not ready.json()["checks"]["migrations"]["ok"]
    finally:
        stop_quietly(server)


def test_the_compose_migrate_service_migrates_and_seeds(empty_database, load_yaml):
    from app.demo.cli import DEMO_EMAIL

    # docker-compose.yml's one-shot, run here: its own environment (defaults,
    # no .env) and command behind the image's entrypoint, on a fresh database.
    service = compose_interpolate(load_yaml(ROOT / "docker-compose.yml")["services"]["migrate"])
    env = {**service["environment"], "DATABASE_URL": empty_database}
    entrypoint = image_command()[:2]
    result = run([*entrypoint, *service["command"]], env=image_environment(env), cwd=ROOT)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "prestart: migrated the database" in output, output
    assert f"Demo organizer: {DEMO_EMAIL}" in output, output
    assert current_revision(empty_database) == [head_revision()]
