"""docker-compose.yml brought up for real by podman-compose, every service
from the file: up; web healthy; migrate ran once; the scheduler triggers the
cron route; the certificates of the seeded ended event land in the bucket;
down.

What is a stand-in here, and what is not:

- the app's image is the real one, built from the Dockerfile (the `image`
  fixture), on the local stand-in for python:3.12-slim (images/base.sh);
- db, minio, createbucket and scheduler run local stand-ins for
  postgres:17.6-alpine, minio/minio, minio/mc and curlimages/curl, built from
  images/standins/ and tagged with the names the compose file uses; each
  Containerfile says which part of the official image's contract it honours
  (environment, command, ports, health command) and where it differs;
- the compose file, its networks, aliases, volumes, ports, dependencies and
  commands are used as they are, with no override file;
- podman 4.3 (Debian bookworm) runs no health checks by itself without
  systemd, and podman-compose ignores `condition: service_healthy` on podman
  older than 4.6 (it says so in its log): the migrate service and the
  scheduler therefore start without waiting for db and web to be healthy (the
  entrypoint's database wait and the scheduler's retry loop cover that), and
  this test runs web's health check itself with `podman healthcheck run`,
  the command compose would run. `service_completed_successfully` is honoured;
  podman-compose runs podman through images/podman-for-compose.sh, which drops
  the `--requires` links podman 4.3 cannot start (see that file).
"""

from __future__ import annotations

import hashlib
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from tests.containers import podman
from tests.containers.conftest import IN_CI, find_tool, unavailable
from tests.containers.dockerfile import ROOT

pytestmark = pytest.mark.slow

COMPOSE_FILE = ROOT / "docker-compose.yml"
PROJECT = "laurel-compose-test"
STANDINS = podman.IMAGES / "standins"
# docker-compose.yml's service -> the stand-in that plays its image.
STANDIN_FOR = {"db": "postgres", "minio": "minio", "createbucket": "mc", "scheduler": "curl"}
PUBLISHED = (8000, 9000, 9001)
DEMO_ATTENDEES = 4  # app/demo/cli.py: the ended event's attended participants
CRON_LINE = '"GET /api/cron/check-events HTTP/1.1" 200'


def qualified(name: str) -> str:
    """An image reference as podman stores it (Docker Hub's defaults)."""
    first = name.split("/")[0]
    if "/" in name and ("." in first or ":" in first or first == "localhost"):
        return name
    return f"docker.io/{name}" if "/" in name else f"docker.io/library/{name}"


def pin(requirements: Path, package: str) -> str:
    for line in requirements.read_text().splitlines():
        if line.lower().startswith(package):
            return line.strip()
    raise AssertionError(f"{package} is not pinned in {requirements}")


def build_standin(tag: str, folder: Path) -> None:
    """Build the stand-in unless an image built from the same files is there."""
    build_args = {
        "MOTO_REQUIREMENT": pin(ROOT / "requirements-dev.txt", "moto"),
        "BOTO3_REQUIREMENT": pin(ROOT / "requirements.txt", "boto3"),
    }
    digest = hashlib.sha256(json.dumps(build_args).encode())
    digest.update(podman.inspect_image(podman.PYTHON_BASE)["Id"].encode())
    for path in sorted(folder.iterdir()):
        digest.update(path.name.encode() + path.read_bytes())
    recipe = digest.hexdigest()[:16]
    if podman.labels(tag).get("laurel.recipe") != recipe:
        seconds = podman.build(tag, folder, build_args=build_args, label=f"laurel.recipe={recipe}")
        print(f"\nbuilt the stand-in {tag} in {seconds:.0f} s")


class Project:
    """`podman-compose` on docker-compose.yml, and what its containers did."""

    def __init__(self, tool: Path, env_file: Path) -> None:
        self.base = [str(tool), "--project-name", PROJECT, "--file", str(COMPOSE_FILE)]
        # No pod: each service gets its own network namespace on the
        # project's network, as Docker Compose does. No .env from a checkout.
        self.base += ["--in-pod", "false", "--env-file", str(env_file)]
        self.base += ["--podman-path", str(podman.IMAGES / "podman-for-compose.sh")]
        self.up_seconds = 0.0

    def compose(self, *args: str, timeout: float = 600) -> str:
        completed = podman.podman(
            *self.base[1:], *args, tool=self.base[0], timeout=timeout, check=False, cwd=ROOT
        )
        output = completed.stdout + completed.stderr
        assert completed.returncode == 0, f"podman-compose {' '.join(args)}:\n{output[-8000:]}"
        return output

    def containers(self) -> dict[str, dict]:
        """service -> `podman ps` entry, for this project's containers."""
        listed = podman.podman(
            "ps",
            "--all",
            "--format",
            "json",
            "--filter",
            f"label=io.podman.compose.project={PROJECT}",
        )
        entries = json.loads(listed.stdout or "[]")
        return {entry["Labels"]["com.docker.compose.service"]: entry for entry in entries}

    def container(self, service: str) -> podman.Container:
        return podman.Container(self.containers()[service]["Names"][0])


def wait_for(what: str, condition, timeout: float, logs) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(1)
    raise AssertionError(f"{what} within {timeout:.0f} s\n{logs()}")


@pytest.fixture(scope="module")
def project(image, load_yaml, tmp_path_factory) -> Iterator[Project]:
    tool = find_tool("podman-compose")
    services = load_yaml(COMPOSE_FILE)["services"]
    for service, description in services.items():
        if service in STANDIN_FOR:
            build_standin(qualified(description["image"]), STANDINS / STANDIN_FOR[service])
        else:
            # Every other service runs the app's image, built by the fixture
            # (podman keeps a name it built under localhost/).
            assert f"localhost/{description['image']}" == podman.IMAGE, (service, description)
    for port in PUBLISHED:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                message = f"port {port} is taken: docker-compose.yml publishes it"
                if IN_CI:
                    pytest.fail(message)
                unavailable(message)
    env_file = tmp_path_factory.mktemp("compose") / "empty.env"
    env_file.write_text("")
    compose = Project(tool, env_file)
    compose.compose("down", "--volumes", "--timeout", "5")  # a run that died earlier
    started = time.monotonic()
    compose.compose("up", "--detach")
    compose.up_seconds = time.monotonic() - started
    try:
        yield compose
    finally:
        if compose.containers():
            print(compose.compose("logs", timeout=120)[-6000:])
            compose.compose("down", "--volumes", "--timeout", "5")


def test_every_service_of_the_file_comes_up(project, load_yaml):
    services = set(load_yaml(COMPOSE_FILE)["services"])
    found = project.containers()
    assert set(found) == services, (set(found), services)
    print(f"\npodman-compose up --detach: {project.up_seconds:.0f} s")


def test_web_becomes_healthy_by_its_own_health_check(project):
    web = project.container("web")

    def healthy() -> bool:
        return podman.podman("healthcheck", "run", web.name, check=False).returncode == 0

    wait_for("web did not pass its HEALTHCHECK", healthy, 120, web.logs)
    assert web.inspect()["State"]["Health"]["Status"] == "healthy"
    # From the host, through the published port, as the compose file says.
    with socket.create_connection(("127.0.0.1", 8000), timeout=5):
        pass


def test_migrate_ran_once_and_exited_0(project):
    entries = project.containers()
    for service in ("migrate", "createbucket"):
        state = entries[service]
        logs = project.container(service).logs()
        assert state["Exited"] and state["ExitCode"] == 0, f"{service}: {state}\n{logs[-6000:]}"
    migrate = project.container("migrate").logs()
    assert migrate.count("migrated the database from an empty schema to") == 1, migrate
    assert "Demo organizer: demo@example.com" in migrate, migrate
    assert project.container("migrate").inspect()["RestartCount"] == 0
    # web does not migrate (no RUN_MIGRATIONS_ON_START), and sees the schema at head.
    web = project.container("web")
    assert "prestart:" not in web.logs()
    current = web.exec("flask", "db", "current")
    assert "(head)" in current.stdout, current.stdout + current.stderr


def test_the_scheduler_triggers_the_cron_route_and_certificates_land_in_the_bucket(project):
    web = project.container("web")
    # The scheduler calls once a minute; its first call may come before web listens.
    wait_for(
        "the scheduler did not call the cron route", lambda: CRON_LINE in web.logs(), 150, web.logs
    )
    answers = [line for line in project.container("scheduler").logs().splitlines() if "{" in line]
    first = json.loads(answers[0][answers[0].index("{") :])
    assert first.get("error") is None, first

    # The bucket, through MinIO's published port, with the compose file's credentials.
    s3 = boto3.client(
        "s3",
        endpoint_url="http://127.0.0.1:9000",
        region_name="us-east-1",
        aws_access_key_id="laurel",
        aws_secret_access_key="laurel-minio-secret",
    )

    def keys() -> list[str]:
        listed = s3.list_objects_v2(Bucket="laurel")
        return sorted(item["Key"] for item in listed.get("Contents", []))

    wait_for(
        "the certificates did not appear", lambda: len(keys()) >= 2 * DEMO_ATTENDEES, 60, web.logs
    )
    found = keys()
    assert len(found) == 2 * DEMO_ATTENDEES, found
    assert {key.rsplit(".", 1)[1] for key in found} == {"png", "pdf"}, found
    png = s3.get_object(Bucket="laurel", Key=next(k for k in found if k.endswith(".png")))
    assert png["Body"].read(8) == b"\x89PNG\r\n\x1a\n"


def test_down_removes_every_container_and_volume(project):
    project.compose("down", "--volumes", "--timeout", "10")
    assert project.containers() == {}
    volumes = podman.podman("volume", "ls", "--format", "{{.Name}}").stdout.split()
    assert not [name for name in volumes if name.startswith(PROJECT)], volumes
