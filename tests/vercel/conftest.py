"""Fixtures for the Vercel tests: a migrated PostgreSQL database with an
organizer, a clean copy of the repository, and one `vercel build` per session.

Outside CI a missing tool or database skips the tests that need it, saying
how to get it; with CI=true it fails them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.vercel import report, support
from tests.vercel.build import Build, bare_python, prepare_project, vercel_build
from tests.vercel.scenario import Organizer

PG_URL = os.environ.get("TEST_DATABASE_URL", "")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if report.RESULTS:
        terminalreporter.section("Vercel: measured")
        for name, value in report.RESULTS.items():
            terminalreporter.write_line(f"{name}: {value}")


def flask(args: list[str], database_url: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`flask ...` against `database_url`, as an operator runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VERCEL", "LAUREL_"))}
    env.update(
        FLASK_APP="app",
        DATABASE_URL=database_url,
        LAUREL_ENV="production",
        SECRET_KEY="operator-shell-secret-key-0123456789",
    )
    return subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=support.REPO,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture(scope="session")
def platform_database() -> Iterator[tuple[str, Organizer]]:
    """A fresh PostgreSQL database, migrated with `flask db upgrade`, holding an
    organizer made with `flask users create`; dropped at the end."""
    if not PG_URL:
        support.unavailable("TEST_DATABASE_URL is not set: the Vercel harnesses need PostgreSQL")
    from tests.databases import PostgresDatabase

    organizer = Organizer(email="vercel-organizer@example.org", password="correct horse vercel 7")
    with PostgresDatabase(PG_URL, f"laurel_vercel_{uuid.uuid4().hex[:10]}") as database:
        upgraded = flask(["db", "upgrade"], database.url)
        assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
        created = flask(
            ["users", "create", organizer.email, "--password-stdin"],
            database.url,
            stdin=organizer.password + "\n",
        )
        assert created.returncode == 0, created.stdout + created.stderr
        yield database.url, organizer


@pytest.fixture(scope="session")
def project_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository as a deploy sees it, in a folder of its own."""
    return support.copy_repository(tmp_path_factory.mktemp("vercel-source") / "project")


# Files a developer's working tree may hold that must never reach Vercel.
PLANTED = {
    ".env": "SECRET_KEY=planted-local-secret\n",
    ".env.local": "DATABASE_URL=postgresql://planted\n",
    "instance/laurel.sqlite": "planted local database",
    "instance/secret_key": "planted-instance-secret",
    "app/__pycache__/planted.cpython-312.pyc": "planted bytecode",
    "app/pages/__pycache__/planted.cpython-312.pyc": "planted bytecode",
}


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """One `vercel build --standalone` of a clean copy, for the whole session.

    The copy also holds the local files of PLANTED, as a developer's checkout
    would when they run `vercel deploy`; none of them may reach the output."""
    support.vercel_cli()
    support.vc_python()
    root = tmp_path_factory.mktemp("vercel-build")
    project = prepare_project(root / "project")
    for name, text in PLANTED.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    result = vercel_build(project, root / "home")
    assert result.result.returncode == 0, f"vercel build failed:\n{result.log[-8000:]}"
    return result


@pytest.fixture(scope="session")
def bare_venv_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Python 3.12 with no packages at all: the built function brings its own."""
    support.vc_python()
    return bare_python(tmp_path_factory.mktemp("bare") / "venv")
