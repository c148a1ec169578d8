"""Running the parity scenario under each execution model, and reading back
what it left behind (rows, stored objects), plus the render probes.

The servers come from the existing harnesses: `tests/containers/gunicorn_server`
(the Dockerfile's ENTRYPOINT + CMD + ENV, run here) and `tests/vercel/launcher`
(api/index.py under `vercel_runtime.vc_init`, the project read-only, the
platform's side of the IPC socket played by the test).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from tests.containers import dockerfile
from tests.containers.gunicorn_server import (
    SYSTEM_PATH,
    flask_command,
    image_command,
    image_environment,
    running_gunicorn,
)
from tests.mail.servers import SmtpServer
from tests.parity import scenario
from tests.parity.compare import RunRecord
from tests.vercel import support
from tests.vercel.launcher import PLATFORM_ENV, launch

GUNICORN = "gunicorn (Dockerfile command)"
VERCEL = "Vercel (vercel_runtime.vc_init)"
STORAGE_PREFIX = "certificates"


def app_env(database_url: str, bucket: str, s3_endpoint: str) -> dict[str, str]:
    """The project's settings, the same on both models but for the database
    and the bucket (each run gets fresh ones)."""
    return {
        "LAUREL_ENV": "production",
        "DATABASE_URL": database_url,
        "SECRET_KEY": scenario.SECRET_KEY,
        "CRON_SECRET": scenario.CRON_SECRET,
        "BASE_URL": scenario.BASE_URL,
        "CREDENTIAL_SIGNING_KEY": scenario.credential_key(),
        "STORAGE_URL": f"s3://{bucket}/{STORAGE_PREFIX}",
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_ADDRESSING_STYLE": "path",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new PostgreSQL database for one run, as the postgres:// URL platforms
    hand out; dropped afterwards."""
    from tests.databases import PostgresDatabase

    with PostgresDatabase(server_url, f"laurel_parity_{uuid.uuid4().hex[:10]}") as database:
        parts = urlsplit(database.url)
        yield "postgres://" + parts.netloc + parts.path


def email_env(server: SmtpServer) -> dict[str, str]:
    """Mail through `server`, a real SMTP server on loopback that requires STARTTLS;
    its self-signed certificate is the one the app trusts (SSL_CERT_FILE)."""
    return {
        "EMAIL_URL": f"smtp+starttls://127.0.0.1:{server.port}?timeout=10",
        "EMAIL_FROM": scenario.EMAIL_FROM,
        "SSL_CERT_FILE": str(server.ca_file),
    }


@dataclass
class Run:
    record: RunRecord
    recorder: scenario.Recorder
    env: dict[str, str]
    seconds: float


def run_model(
    model: str,
    stack: ExitStack,
    server_url: str,
    s3_endpoint: str,
    s3_admin: Any,
    runner: Callable[[dict[str, str]], scenario.Recorder],
    setup: Callable[[Mapping[str, str]], None] | None = None,
    mail: SmtpServer | None = None,
) -> Run:
    """One run on a fresh database and a fresh bucket, set up by `setup`
    (`prepare`, through the checkout's entrypoint, by default); the database stays until `stack`
    closes (the render probes read it later). With `mail` (a server of this run's
    own), email is on and the record holds every message the server received."""
    started_at = datetime.now(UTC)
    clock = time.monotonic()
    bucket = f"laurel-parity-{uuid.uuid4().hex[:10]}"
    s3_admin.create_bucket(Bucket=bucket)
    database = stack.enter_context(fresh_database(server_url))
    env = app_env(database, bucket, s3_endpoint)
    if mail is not None:
        env.update(email_env(mail))
    (setup or prepare)(env)
    recorder = runner(env)
    run_record = record(model, recorder, database, s3_admin, bucket, started_at)
    if mail is not None:
        # Delivery is synchronous (the server has the message before it answers
        # DATA), so everything sent during the scenario is here: no waiting.
        run_record.mails = mail.inbox.received()
    return Run(run_record, recorder, env, time.monotonic() - clock)


def run_vercel(
    stack: ExitStack,
    server_url: str,
    s3_endpoint: str,
    s3_admin: Any,
    project: Path,
    times: scenario.EventTimes,
    mail: SmtpServer | None = None,
) -> Run:
    """The Vercel side of every parity comparison: the scenario under vc_init."""
    return run_model(
        VERCEL,
        stack,
        server_url,
        s3_endpoint,
        s3_admin,
        lambda env: run_under_vercel(project, env, times, email=mail is not None),
        mail=mail,
    )


def prepare(env: Mapping[str, str]) -> None:
    """What an operator does before the first deploy, the same way for both
    runs (through the image's entrypoint, like Render's preDeployCommand):
    migrate, then create the organizer."""
    flask_command("db", "upgrade", env=env)
    flask_command(
        "users",
        "create",
        scenario.ORGANIZER_EMAIL,
        "--password-stdin",
        env=env,
        stdin=scenario.ORGANIZER_PASSWORD + "\n",
    )


# --- the two models ----------------------------------------------------------------


def run_under_gunicorn(
    env: Mapping[str, str], times: scenario.EventTimes, log_dir: Path, *, email: bool = False
) -> scenario.Recorder:
    with running_gunicorn(env, log_dir=log_dir) as server:
        try:
            return scenario.run_scenario(server.base_url, times, email=email)
        except BaseException:
            print(f"--- gunicorn log ---\n{server.log()[-8000:]}")
            raise


def run_under_vercel(
    project: Path, env: Mapping[str, str], times: scenario.EventTimes, *, email: bool = False
) -> scenario.Recorder:
    with launch(project, env) as launched:
        try:
            return scenario.run_scenario(launched.url, times, email=email)
        except BaseException:
            print("--- function log ---\n" + "\n".join(launched.logs())[-8000:])
            print(f"--- stderr ---\n{launched.stderr()[-4000:]}")
            raise


# --- what a run left behind ----------------------------------------------------------


def snapshot_rows(database_url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in primary-key order."""
    from app.config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(database_url), poolclass=sa.pool.NullPool)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        rows: dict[str, list[dict[str, Any]]] = {}
        with engine.connect() as connection:
            for name, table in sorted(metadata.tables.items()):
                order = list(table.primary_key.columns) or list(table.columns)
                result = connection.execute(sa.select(table).order_by(*order))
                rows[name] = [dict(row._mapping) for row in result]
        return rows
    finally:
        engine.dispose()


def snapshot_objects(s3_admin: Any, bucket: str) -> dict[str, str]:
    """Every key in the bucket and its Content-Type."""
    objects = {}
    for page in s3_admin.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            head = s3_admin.head_object(Bucket=bucket, Key=item["Key"])
            objects[item["Key"]] = head.get("ContentType", "")
    return objects


def record(
    model: str,
    recorder: scenario.Recorder,
    database_url: str,
    s3_admin: Any,
    bucket: str,
    started: datetime,
) -> RunRecord:
    return RunRecord(
        model=model,
        exchanges=recorder.exchanges,
        rows=snapshot_rows(database_url),
        objects=snapshot_objects(s3_admin, bucket),
        bucket=bucket,
        started=started,
        finished=datetime.now(UTC),
    )


# --- rendering a certificate again, in each model's interpreter ----------------------

# Loads a certificate row by its code and renders it with the app's own
# render_files() (the credential baked, the PDF signed), inside an app context of
# the model's WSGI app, and signs its credential again from the row's facts; prints
# the digests. `wsgi` is defined by the model-specific preamble.
_RENDER = """
import hashlib, json, sys
import sqlalchemy as sa
from app.certificates.issuing import render_files
from app.certificates.queries import certificate_by_code
from app.credentials.badge import Facts, issue
from app.credentials.models import StatusSlot
from app.extensions import db
digests = {}
with wsgi.app_context():
    for code in json.loads(sys.argv[1]):
        certificate = certificate_by_code(code)
        png, pdf = render_files(certificate, certificate.event)
        slot = db.session.scalar(sa.select(StatusSlot.id).where(StatusSlot.code == code))
        facts = {n: getattr(certificate, n, None) for n in Facts.__dataclass_fields__}
        facts["organizer_id"] = certificate.event.owner_id
        credential = issue(Facts(**facts), slot)
        digests[code] = {
            "png": hashlib.sha256(png).hexdigest(),
            "pdf": hashlib.sha256(pdf).hexdigest(),
            "credential": hashlib.sha256((credential or "").encode()).hexdigest(),
        }
print("PARITY-DIGESTS " + json.dumps(digests))
"""

# gunicorn.conf.py: wsgi_app = "app:create_app()".
GUNICORN_PREAMBLE = "from app import create_app\nwsgi = create_app()\n"

# Exactly how vc_init loads the entrypoint (vercel_runtime.resolver.import_module).
VERCEL_PREAMBLE = (
    "import os\n"
    "from vercel_runtime.resolver import import_module\n"
    "module = import_module('api.index', os.environ['__VC_HANDLER_ENTRYPOINT_ABS'])\n"
    "wsgi = getattr(module, os.environ['__VC_HANDLER_VARIABLE_NAME'])\n"
)


def printed_digests(completed: subprocess.CompletedProcess[str], model: str) -> dict[str, dict]:
    for line in completed.stdout.splitlines():
        if line.startswith("PARITY-DIGESTS "):
            return json.loads(line.removeprefix("PARITY-DIGESTS "))
    raise AssertionError(
        f"the render probe under {model} printed no digests (exit {completed.returncode}):\n"
        f"{completed.stdout[-3000:]}\n{completed.stderr[-5000:]}"
    )


def stored_digests(row: Mapping[str, Any]) -> dict[str, str]:
    """What a certificate row says its files and credential are, in the shape the
    render probe prints (parity runs sign credentials: both models have the key)."""
    signed = (row["credential_jws"] or "").encode()
    assert signed, "parity runs sign credentials: both models have the key"
    return {
        "png": row["png_sha256"],
        "pdf": row["pdf_sha256"],
        "credential": hashlib.sha256(signed).hexdigest(),
    }


def render_probe(codes: Sequence[str]) -> list[str]:
    """The `python -c` command that renders `codes` again in the gunicorn
    model's interpreter (the image's, when podman runs it)."""
    return ["python", "-c", GUNICORN_PREAMBLE + _RENDER, json.dumps(list(codes))]


def render_under_gunicorn_model(env: Mapping[str, str], codes: Sequence[str]) -> dict:
    """The image's entrypoint running `python` (the image's venv, its ENV,
    /app = this checkout), as `docker run IMAGE python ...` would."""
    stage = dockerfile.parse(base_env={"PATH": SYSTEM_PATH}).final
    entrypoint = image_command(stage)[: len(stage.entrypoint)]
    completed = subprocess.run(
        [*entrypoint, *render_probe(codes)],
        cwd=dockerfile.ROOT,
        env=image_environment(env),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    return printed_digests(completed, GUNICORN)


def render_under_vercel_model(project: Path, env: Mapping[str, str], codes: Sequence[str]) -> dict:
    """The launcher's Python 3.12 with the environment `launch()` gives a
    function (platform variables, the `__VC_HANDLER_*` names, the project
    mounted read-only, only TMPDIR writable), loading api/index.py the way
    vc_init does."""
    project = project.resolve()
    scratch = Path(tempfile.mkdtemp(prefix="parity-vc-probe-"))
    try:
        (scratch / "tmp").mkdir()
        child_env = {
            "PATH": support.SYSTEM_PATH,
            "HOME": str(scratch),
            "TMPDIR": str(scratch / "tmp"),
            **PLATFORM_ENV,
            "LAMBDA_TASK_ROOT": str(project),
            **env,
            "__VC_HANDLER_MODULE_NAME": "api.index",
            "__VC_HANDLER_ENTRYPOINT": "api/index.py",
            "__VC_HANDLER_ENTRYPOINT_ABS": f"{project}/api/index.py",
            "__VC_HANDLER_VARIABLE_NAME": "app",
            "PYTHONPATH": support.deps_site_packages(),
        }
        argv = support.readonly_command(
            project,
            [support.vc_python(), "-c", VERCEL_PREAMBLE + _RENDER, json.dumps(list(codes))],
        )
        completed = subprocess.run(
            argv,
            cwd=project,
            env=child_env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        return printed_digests(completed, VERCEL)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
