"""Fixtures for the browser suite: Laurel under gunicorn, Chromium driven by Playwright.

One server for the session, started with the Docker image's own command against a
real database (PostgreSQL when TEST_DATABASE_URL is set, else a SQLite file) and
local storage. Each test gets a fresh browser context at one of two widths. A
failing test leaves a screenshot in $BROWSER_FAILURES (default: the temporary
directory's laurel-browser-failures/).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.browser.support import CHROMIUM_ARGS, Browsing, Site, axe_source
from tests.conftest import PG_URL, SECRET, pem
from tests.containers.gunicorn_server import free_port, start_gunicorn, stop_quietly
from tests.databases import PostgresDatabase, migrate, sqlite_url
from tests.mail.servers import SmtpServer
from tests.tools import missing, need_program

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
FAILURES = Path(
    os.environ.get("BROWSER_FAILURES") or Path(tempfile.gettempdir()) / "laurel-browser-failures"
)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("browser")
    with ExitStack() as stack:
        if PG_URL:
            database = PostgresDatabase(PG_URL, f"laurel_browser_{os.getpid()}")
            url = stack.enter_context(database).url
        else:
            url = sqlite_url(root / "laurel.sqlite")
        migrate(url)
        # A real SMTP server receives what the site sends (plain SMTP: the TLS
        # handshake is the mail tests'; here a gunicorn child would need the CA).
        smtp = stack.enter_context(SmtpServer(None))
        port = free_port()
        site = Site(
            base_url=f"http://127.0.0.1:{port}",
            env={
                "LAUREL_ENV": "development",
                "DATABASE_URL": url,
                "SECRET_KEY": SECRET,
                "STORAGE_URL": (root / "storage").as_uri(),
                "BASE_URL": f"http://127.0.0.1:{port}",
                "CRON_SECRET": "browser-suite-cron-secret",
                # The server and the seeding app sign with one key, none under instance/.
                "CREDENTIAL_SIGNING_KEY": pem(2048),
                "WEB_CONCURRENCY": "1",
                "GUNICORN_THREADS": "4",
                "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}?timeout=10",
                "EMAIL_FROM": "certificates@laurel.example.org",
            },
            inbox=smtp.inbox,
        )
        server = start_gunicorn(site.env, port=port, log_dir=root)
        stack.callback(stop_quietly, server)
        yield site


# Package scope: Playwright's sync API keeps an asyncio loop running in the main thread
# while it lives, and code that calls asyncio.run (pyHanko signing and validating) must
# not find one there in the tests that follow.
@pytest.fixture(scope="package")
def chromium():
    executable = need_program("chromium", "Debian's chromium: .ci/setup/40-browser.sh")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed (requirements-dev.txt)")
    axe_source()  # fails (CI) or skips here, before any server starts, if axe is missing
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.call_report = report
    return report


@pytest.fixture(params=list(WIDTHS))
def browse(request, chromium, site) -> Iterator[Browsing]:
    """A fresh context at 1280 or 390 px; at the end, no unexpected console error."""
    width, height = WIDTHS[request.param]
    context = chromium.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True
    )
    browsing = Browsing(context.new_page(), site, request.param)
    try:
        yield browsing
        report = getattr(request.node, "call_report", None)
        if report is None or report.passed:
            browsing.assert_console_clean()
    finally:
        report = getattr(request.node, "call_report", None)
        if report is not None and report.failed:
            FAILURES.mkdir(parents=True, exist_ok=True)
            shot = FAILURES / f"{request.node.name}.png"
            try:
                browsing.page.screenshot(path=str(shot), full_page=True)
                print(f"screenshot of the failure: {shot}")
            except Exception as exc:  # the page may be gone; the failure itself matters more
                print(f"no screenshot ({exc})")
        context.close()
