"""What the browser tests share: the running site, and a page that checks itself.

`Browsing.check(label)` is called on every page and state a flow reaches: axe-core
(injected from the npm package pinned in tests/browser/tools/) must report no
violation, and the page must not be wider than the window. With SCREENS_DIR set,
each check also saves a screenshot named after its label and width (that is how
docs/screens/ is made: `SCREENS_DIR=docs/screens bash scripts/test.sh tests/browser`).
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from tests.tools import missing

try:  # the conftest turns a missing playwright into a skip (or, in CI, a failure)
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover
    expect = None

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / ".ci/tools/browser/node_modules/axe-core/axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse 1"
# Chromium's console line for a response with an error status.
FAILED_LOAD = re.compile(r"status of (\d{3})")


@cache
def axe_source() -> str:
    path = Path(os.environ.get("AXE_CORE_JS") or AXE)
    if not path.is_file():
        missing(f"axe-core not found at {path} (run .ci/setup/40-browser.sh)")
    return path.read_text()


@dataclass
class Site:
    base_url: str
    env: dict[str, str]
    inbox: Any = None  # what the site's SMTP server received (tests/mail/servers.Inbox)

    def mail_to(self, address: str) -> list:
        return [m for m in self.inbox.messages if m["To"] == address]

    def app(self):
        from app import create_app

        return create_app(
            {
                "DATABASE_URL": self.env["DATABASE_URL"],
                "SECRET_KEY": self.env["SECRET_KEY"],
                "STORAGE_URL": self.env["STORAGE_URL"],
                "BASE_URL": self.env["BASE_URL"],
                "CREDENTIAL_SIGNING_KEY": self.env["CREDENTIAL_SIGNING_KEY"],
                "CONFIG_PROBLEMS": [],
            }
        )


@dataclass
class Browsing:
    page: object
    site: Site
    width: str
    console_errors: list[tuple[str, str]] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    expected: list[tuple[int, str]] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console_errors.append((str(error), "")))
        self.page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append((message.text, message.location.get("url", "")))

    def _response(self, response) -> None:
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.url}")

    def url(self, path: str) -> str:
        return self.site.base_url + path

    def goto(self, path: str, status: int = 200):
        if status >= 400:
            self.expect_error(status, path)
        response = self.page.goto(self.url(path))
        assert response is not None and response.status == status, (
            f"{path}: {response and response.status}, expected {status}"
        )
        return response

    def expect_error(self, status: int, path: str) -> None:
        """The flow is about to cause this 4xx at an address holding `path`: Chromium's
        console line for it is no error of the page."""
        self.expected.append((status, path))

    def check(self, label: str, screenshot: bool = True) -> None:
        """axe-core finds nothing, nothing overflows sideways; and a screenshot if asked."""
        page = self.page
        page.evaluate(axe_source())
        violations = page.evaluate(
            """async () => {
                const result = await axe.run(document, {resultTypes: ["violations"]});
                return result.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}));
            }"""
        )
        assert violations == [], f"axe on {label} ({self.width}): {violations}"
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], f"{label} ({self.width}): {widths[0]} px wide in {widths[1]}"
        self.checked.append(label)
        screens = os.environ.get("SCREENS_DIR")
        if screens and screenshot:
            save_screenshot(page, Path(screens) / f"{label}-{self.width}.png")

    def unexpected_console_errors(self) -> list[tuple[str, str]]:
        left = []
        for text, where in self.console_errors:
            status = FAILED_LOAD.search(text)
            own = where.startswith(self.site.base_url + "/")
            if (
                status
                and own
                and any(
                    int(status.group(1)) == code and path in where for code, path in self.expected
                )
            ):
                continue
            left.append((text, where))
        return left

    def assert_console_clean(self) -> None:
        assert self.server_errors == [], f"server errors: {self.server_errors}"
        unexpected = self.unexpected_console_errors()
        assert unexpected == [], f"console errors: {unexpected}"

    def sign_in(self, email: str) -> None:
        self.goto("/auth/login")
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(self.url("/events/"))


def save_screenshot(page, path: Path) -> None:
    """A full-page PNG, reduced to a palette so that docs/screens stays small."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.open(io.BytesIO(page.screenshot(full_page=True)))
    image.convert("RGB").quantize(colors=64).save(path, optimize=True)
