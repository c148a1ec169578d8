"""The requests every Vercel harness sends, and what must come back.

Used against the source tree under vercel_runtime (test_launcher.py) and
against the function `vercel build` produced (test_build.py), each time
through `PlatformClient`, which stands where Vercel's edge stands.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from tests.edge_client import CSRF_FIELD, Response
from tests.vercel.launcher import PlatformClient
from tests.vercel.support import REPO

SECRET_KEY = "vercel-harness-secret-key-0123456789abcdef"
CRON_SECRET = "vercel-harness-cron-secret-0123456789"


@dataclass(frozen=True)
class Organizer:
    email: str
    password: str


def app_env(database_url: str) -> dict[str, str]:
    """Production settings as a Vercel project would hold them."""
    return {
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        "CRON_SECRET": CRON_SECRET,
        "BASE_URL": "https://laurel-vercel-harness.example.org",
        # Object storage is configured but never reached by these requests.
        "STORAGE_URL": "s3://laurel-vercel-harness/certificates",
        "S3_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
    }


def csrf_token(page: Response) -> str:
    match = CSRF_FIELD.search(page.text)
    assert match, f"no CSRF token in the page ({page.status}):\n{page.text[:500]}"
    return match.group(1)


def no_traceback(response: Response) -> None:
    assert "Traceback" not in response.text, response.text[:2000]


def check_basics(base_url: str) -> None:
    """/healthz, a static file, a 404, and forwarded scheme and host."""
    client = PlatformClient(base_url)

    health = client.get("/healthz")
    assert health.status == 200, health.text
    assert health.json() == {"status": "ok"}

    css = client.get("/static/css/laurel.css")
    assert css.status == 200, css.text[:300]
    assert css.headers["Content-Type"].startswith("text/css")
    assert css.body == (REPO / "static" / "css" / "laurel.css").read_bytes()

    # Readiness reads the migration head from migrations/ (bundled) and the
    # database's revision; storage here is deliberately unreachable.
    ready = client.get("/readyz")
    assert ready.status == 503, ready.text
    checks = ready.json()["checks"]
    assert checks["database"]["ok"] and checks["migrations"]["ok"], checks
    assert checks["settings"]["ok"], checks
    assert not checks["storage"]["ok"], checks
    assert "testing" not in ready.text  # no setting's value is ever shown

    missing = client.get("/no-such-page")
    assert missing.status == 404
    assert missing.headers["Content-Type"].startswith("text/html")
    no_traceback(missing)

    # Werkzeug's slash redirect is absolute: it shows the scheme and host the
    # app believes it has, which must be the ones the edge forwarded.
    for host in ("laurel.example.test", "other.example.test"):
        moved = PlatformClient(base_url, host=host).get("/events")
        assert moved.status == 308, moved.status
        assert moved.headers["Location"] == f"https://{host}/events/"


def check_sign_in_and_event(base_url: str, organizer: Organizer) -> None:
    """Sign in with CSRF over forwarded https, create an event, open its page."""
    client = PlatformClient(base_url)
    token = csrf_token(client.get("/auth/login"))
    signed_in = client.post(
        "/auth/login",
        form={"email": organizer.email, "password": organizer.password, "csrf_token": token},
    )
    assert signed_in.status == 302, signed_in.text[:2000]
    assert urlsplit(signed_in.headers["Location"]).path == "/events/"
    cookies = " ".join(signed_in.headers.get_all("Set-Cookie") or [])
    assert "Secure" in cookies and "HttpOnly" in cookies, cookies

    # A POST whose Referer names another site is refused: CSRF checks the
    # origin against the forwarded https host.
    forged = client.post(
        "/events/new",
        form={"csrf_token": csrf_token(client.get("/events/new")), "title": "forged"},
        headers={"Referer": "https://evil.example.test/events/new"},
    )
    assert forged.status == 400, forged.status

    title = f"Vercel harness {uuid.uuid4().hex[:8]}"
    created = client.post(
        "/events/new",
        form={
            "csrf_token": csrf_token(client.get("/events/new")),
            "title": title,
            "description": "Created through Vercel's Python launcher.",
            "timezone": "Europe/Berlin",
            "starts_at": "2031-05-01T10:00",
            "ends_at": "2031-05-01T12:00",
        },
    )
    assert created.status == 302, created.text[:2000]
    event_path = urlsplit(created.headers["Location"]).path
    assert re.fullmatch(r"/events/\d+", event_path), event_path
    page = client.get(event_path)
    assert page.status == 200, page.text[:2000]
    assert title in page.text
    no_traceback(page)


def check_cron(base_url: str) -> None:
    """/api/cron/check-events as Vercel Cron calls it: GET with the bearer secret."""
    client = PlatformClient(base_url)
    for headers in ({}, {"Authorization": "Bearer wrong-secret"}, {"Authorization": CRON_SECRET}):
        refused = client.get("/api/cron/check-events", headers=headers)
        assert refused.status == 401, (headers, refused.status, refused.text[:500])
        assert refused.headers["Content-Type"].startswith("application/json")
    ran = client.get("/api/cron/check-events", headers={"Authorization": f"Bearer {CRON_SECRET}"})
    assert ran.status == 200, ran.text[:2000]
    assert ran.headers["Content-Type"].startswith("application/json")
    assert isinstance(ran.json(), dict)
