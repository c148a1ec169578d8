"""The image itself: built by buildah from the repository's Dockerfile, run by
podman (runc, host network, PostgreSQL and moto's S3 server on loopback).

Every container here runs read-only with only a tmpfs on /tmp writable, the
rule the serverless side lives under: migrations, two instances migrating at
once, the server as uid 10001 with its HEALTHCHECK, and `flask events check`
as a cron job issuing certificates into the bucket. The base image is the
local stand-in for python:3.12-slim (tests/containers/images/base.sh).
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
import sqlalchemy as sa

from tests.containers import podman
from tests.containers.conftest import SECRET, new_empty_database, s3_settings
from tests.containers.dockerfile import parse
from tests.containers.gunicorn_server import free_port

pytestmark = pytest.mark.slow

HEAD_LINE = "migrated the database from an empty schema to"


@pytest.fixture(scope="module")
def storage() -> Iterator[dict[str, str]]:
    with s3_settings() as settings:
        yield settings


@pytest.fixture
def app_env(storage) -> Iterator[dict[str, str]]:
    """Production settings for one empty database and the module's bucket."""
    with new_empty_database() as database:
        yield {
            "DATABASE_URL": database,
            "SECRET_KEY": SECRET,
            "CRON_SECRET": "image-test-cron-secret-0123456789",
            "BASE_URL": "https://laurel.example.org",
            **storage,
        }


def sql(database_url: str, query: str) -> list[tuple]:
    from app.config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(database_url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(query))]
    finally:
        engine.dispose()


def bucket_keys(settings: dict[str, str]) -> list[str]:
    bucket, _, prefix = settings["STORAGE_URL"].removeprefix("s3://").partition("/")
    client = boto3.client(
        "s3",
        endpoint_url=settings["S3_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    listed = client.list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def test_the_image_has_the_dockerfiles_settings(image):
    stage = parse(base_env={"PATH": "/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin"})
    final = stage.final
    found = podman.inspect_image(image)
    config = found["Config"]
    assert config["User"] == "10001:10001" == final.user
    assert config["Entrypoint"] == final.entrypoint
    assert config["Cmd"] == final.cmd
    assert config["WorkingDir"] == final.workdir
    assert set(config["ExposedPorts"]) == {f"{port}/tcp" for port in final.expose}
    env = dict(item.split("=", 1) for item in config["Env"])
    for key, value in final.env.items():
        assert env[key] == value, key
    # Kept only in the docker format (buildah drops HEALTHCHECK from OCI images).
    assert found["Healthcheck"]["Test"] == ["CMD", *final.healthcheck]


def test_no_compilers_caches_or_tests_in_the_image_and_its_size(image):
    listing = podman.run_once(
        image,
        [
            "sh",
            "-c",
            "for tool in gcc cc c++ make ld as pip pip3; do command -v $tool; done; "
            "find / -xdev \\( -type d \\( -name .cache -o -name tests -o -name test \\) "
            "-o -name '*.whl' -o -name '*.deb' \\) -print 2>/dev/null; ls /var/lib/apt/lists; "
            "ls /opt/venv/lib/python3.12/site-packages | grep -i '^pip' ; "
            "echo SIZES $(du -sb /opt/venv | cut -f1) $(du -sb /app | cut -f1)",
        ],
    )
    lines = listing.stdout.splitlines()
    found = [line for line in lines if not line.startswith("SIZES")]
    # The base stand-in's own pip (like the real python:3.12-slim's) is the
    # base's; the app's virtual environment has none.
    found = [line for line in found if not line.startswith("/usr/local/")]
    assert found == [], f"the final image holds build tools, caches or tests: {found}"

    venv, app = (int(n) for n in lines[-1].split()[1:])
    image_size = podman.inspect_image(image)["Size"]
    base_size = podman.inspect_image(podman.PYTHON_BASE)["Size"]
    added = image_size - base_size
    print(
        f"\nimage {image_size / 1e6:.1f} MB = base {base_size / 1e6:.1f} MB + "
        f"{added / 1e6:.1f} MB; /opt/venv {venv / 1e6:.1f} MB, /app {app / 1e6:.1f} MB, "
        f"other {(added - venv - app) / 1e6:.1f} MB"
    )
    # One layer over the base holding the venv, the app and the user's passwd
    # lines (du counts directories a little differently from the layer).
    assert added - venv - app < 2_000_000, (image_size, base_size, venv, app)


def test_migrations_from_the_image(image, app_env):
    upgraded = podman.run_once(image, ["flask", "db", "upgrade"], app_env)
    assert upgraded.returncode == 0, upgraded.stderr
    current = podman.run_once(image, ["flask", "db", "current"], app_env)
    assert current.returncode == 0 and "(head)" in current.stdout, current.stdout + current.stderr
    tables = {row[0] for row in sql(app_env["DATABASE_URL"], "select tablename from pg_tables")}
    assert {"organizers", "events", "participants", "certificates"} <= tables, tables


def test_two_containers_starting_together_migrate_once(image, app_env):
    env = {**app_env, "RUN_MIGRATIONS_ON_START": "true"}
    ports = [free_port(), free_port()]
    names = [f"laurel-test-together-{port}" for port in ports]
    for name, port in zip(names, ports, strict=True):
        podman.podman(
            "create",
            "--name",
            name,
            "--network",
            "host",
            *podman.READ_ONLY,
            *[f"--env={k}={v}" for k, v in {**env, "PORT": str(port)}.items()],
            image,
        )
    containers = [podman.Container(name) for name in names]
    try:
        podman.podman("start", *names)  # one command: both start at once
        for container, port in zip(containers, ports, strict=True):
            podman.wait_for_http(container, f"http://127.0.0.1:{port}/healthz")
        logs = [container.logs() for container in containers]
    finally:
        for container in containers:
            container.remove()
    migrated = [log for log in logs if HEAD_LINE in log]
    assert len(migrated) == 1, "\n----\n".join(logs)
    other = logs[1 - logs.index(migrated[0])]
    assert "nothing to migrate" in other, other
    versions = sql(app_env["DATABASE_URL"], "select version_num from alembic_version")
    assert len(versions) == 1, versions


def test_the_server_runs_as_uid_10001_read_only_and_passes_its_healthcheck(image, app_env):
    port = free_port()
    env = {**app_env, "RUN_MIGRATIONS_ON_START": "true", "PORT": str(port)}
    with podman.started(image, env) as container:
        podman.wait_for_http(container, f"http://127.0.0.1:{port}/healthz")

        # The image's HEALTHCHECK, run by podman inside the container.
        check = podman.podman("healthcheck", "run", container.name, check=False)
        assert check.returncode == 0, check.stdout + check.stderr
        assert container.inspect()["State"]["Health"]["Status"] == "healthy"
        healthcheck = parse().final.healthcheck
        refused = podman.podman(
            "exec", "--env", f"PORT={free_port()}", container.name, *healthcheck, check=False
        )
        assert refused.returncode != 0, "the HEALTHCHECK must fail when nothing answers"

        # Every process (gunicorn's master, its workers, this exec) is 10001.
        uids = container.exec("sh", "-c", "cat /proc/[0-9]*/status | grep ^Uid:", check=True)
        assert uids.stdout.split() and {line.split()[1] for line in uids.stdout.splitlines()} == {
            "10001"
        }, uids.stdout

        # Only /tmp is writable.
        for path in ("/app/probe", "/opt/venv/probe", "/var/tmp/probe", "/run/probe"):
            written = container.exec("sh", "-c", f": > {path}")
            assert written.returncode != 0, f"{path} is writable"
            assert "Read-only file system" in written.stderr, written.stderr
        assert container.exec("sh", "-c", ": > /tmp/probe").returncode == 0
        log = container.logs()
    assert "Booting worker" in log and "Traceback" not in log, log


def test_flask_events_check_as_a_cron_job_issues_into_the_bucket(image, app_env, storage):
    assert podman.run_once(image, ["flask", "db", "upgrade"], app_env).returncode == 0
    # The demo data holds an event that ended an hour ago with four attendees.
    seeded = podman.run_once(
        image, ["flask", "demo", "seed"], {**app_env, "LAUREL_ENV": "development"}
    )
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    before = set(bucket_keys(storage))

    # What Render's cron service or Railway's cron runs: the command, then exit.
    checked = podman.run_once(image, ["flask", "events", "check"], app_env)
    output = checked.stdout + checked.stderr
    assert checked.returncode == 0, output
    assert "issued 4, failed 0, remaining 0" in output, output

    rows = sql(
        app_env["DATABASE_URL"],
        "select c.png_key, c.pdf_key from certificates c join events e on e.id = c.event_id "
        "where e.title = 'Laurel Demo Day'",
    )
    assert len(rows) == 4, rows
    prefix = storage["STORAGE_URL"].removeprefix("s3://").partition("/")[2]
    new = set(bucket_keys(storage)) - before
    assert new == {f"{prefix}/{key}" for row in rows for key in row}, new

    again = podman.run_once(image, ["flask", "events", "check"], app_env)
    assert again.returncode == 0 and "issued 0" in again.stdout + again.stderr, again.stderr


def test_a_broken_build_fails_with_the_builders_own_message(image, tmp_path):
    # The offline wheelhouse has no such package: pip's own error must surface.
    (tmp_path / "Dockerfile").write_text(
        f"FROM {podman.PYTHON_BASE}\nRUN pip install laurel-no-such-package==1.0\n"
    )
    with pytest.raises(AssertionError) as failed:
        podman.build("localhost/laurel-broken:test", tmp_path)
    message = str(failed.value)
    assert "buildah could not build" in message, message
    assert "laurel-no-such-package" in message and "ERROR:" in message, message
