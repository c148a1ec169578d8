"""The parity scenario served by the built image's default command: the same
comparison as tests/parity/test_parity.py, with the real image under podman
(read-only, only a tmpfs /tmp writable) on one side and Vercel's own runtime
on the other. Each side gets a fresh database and bucket; the image side is
migrated and its organizer created through the image too (`flask db upgrade`,
`flask users create`), as a platform's pre-deploy command would.

Then the certificates of both runs are rendered again inside the image and
must come out byte for byte as stored.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import ExitStack

import pytest

from tests.containers import podman
from tests.containers.conftest import unavailable
from tests.containers.gunicorn_server import free_port
from tests.parity import harness, scenario
from tests.parity.compare import compare_exchanges, compare_objects, compare_rows, report
from tests.vercel import support

pytestmark = pytest.mark.slow

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
IMAGE_MODEL = "the image (podman, read-only root, tmpfs /tmp)"
PROBED = 3  # certificates of each run rendered again in the image


def prepare_in_image(image: str, env: Mapping[str, str]) -> None:
    steps = [
        (["flask", "db", "upgrade"], None),
        (
            ["flask", "users", "create", scenario.ORGANIZER_EMAIL, "--password-stdin"],
            scenario.ORGANIZER_PASSWORD + "\n",
        ),
    ]
    for command, stdin in steps:
        done = podman.run_once(image, command, env, stdin=stdin)
        assert done.returncode == 0, f"{command}: {done.stdout}\n{done.stderr}"


def run_under_image(image: str, env: Mapping[str, str], times) -> scenario.Recorder:
    """The image's ENTRYPOINT + CMD, as a platform starts it."""
    port = free_port()
    with podman.started(image, {**env, "PORT": str(port)}) as container:
        podman.wait_for_http(container, f"http://127.0.0.1:{port}/healthz")
        try:
            return scenario.run_scenario(f"http://127.0.0.1:{port}", times)
        except BaseException:
            print(f"--- container log ---\n{container.logs()[-8000:]}")
            raise


@pytest.fixture(scope="module")
def runs(image, s3_endpoint, s3_admin, tmp_path_factory) -> Iterator[tuple[harness.Run, ...]]:
    if not PG_URL:
        unavailable("TEST_DATABASE_URL is not set: the image parity test needs PostgreSQL")
    support.vc_python()
    project = support.copy_repository(tmp_path_factory.mktemp("image-parity") / "project")
    times = scenario.EventTimes.just_ended()
    with ExitStack() as stack:
        served = harness.run_model(
            IMAGE_MODEL,
            stack,
            PG_URL,
            s3_endpoint,
            s3_admin,
            lambda env: run_under_image(image, env, times),
            setup=lambda env: prepare_in_image(image, env),
        )
        vercel = harness.run_vercel(stack, PG_URL, s3_endpoint, s3_admin, project, times)
        print(f"\nimage run {served.seconds:.1f} s, Vercel run {vercel.seconds:.1f} s")
        yield served, vercel


def test_the_image_and_vercel_give_the_same_responses_rows_and_objects(runs):
    served, vercel = runs
    assert len(served.record.rows["certificates"]) == len(scenario.NAMES)
    problems = (
        compare_exchanges(served.record, vercel.record)
        + compare_rows(served.record, vercel.record)
        + compare_objects(served.record, vercel.record)
    )
    assert not problems, report(problems)


def test_the_image_renders_both_runs_certificates_byte_identical(image, runs):
    problems = []
    for run in runs:
        rows = run.record.rows["certificates"][:PROBED]
        probe = podman.run_once(image, harness.render_probe([row["code"] for row in rows]), run.env)
        digests = harness.printed_digests(probe, IMAGE_MODEL)
        for row in rows:
            stored = harness.stored_digests(row)
            if digests[row["code"]] != stored:
                problems.append(f"{row['code']} of {run.record.model}: {digests[row['code']]}")
    assert not problems, "\n".join(problems)
