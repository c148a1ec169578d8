"""The parity scenario: what an organizer and the public do, over HTTP only.

The same function runs against gunicorn and against Vercel's launcher. It
uses nothing but URLs (no imports from the app's views), records every
response as an `Exchange`, and follows presigned storage links over real
HTTP, as a browser would.
"""

from __future__ import annotations

import functools
import hashlib
import html
import http.client
import io
import json
import re
import urllib.request
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from tests.edge_client import CSRF_FIELD, EdgeClient, Response
from tests.parity.compare import COMPARED_HEADERS, Exchange

PUBLIC_HOST = "laurel.example.org"
BASE_URL = f"https://{PUBLIC_HOST}"
SECRET_KEY = "parity-harness-secret-key-0123456789abcdef"
CRON_SECRET = "parity-harness-cron-secret-0123456789"


@functools.cache
@functools.cache
def credential_key() -> str:
    """One RSA key for both models' runs (made once per test session, never stored): the
    same certificate data must sign to the same credential and PDF bytes on both."""
    from app.credentials.keys import new_private_pem

    return new_private_pem()


ORGANIZER_EMAIL = "parity-organizer@example.org"
ORGANIZER_PASSWORD = "correct horse parity 7"
EVENT_TITLE = "Σύνοδος · Конференция · Café Numérique 2026"
EVENT_TIMEZONE = "Asia/Kolkata"  # a half-hour offset: dates cross midnight oddly
MAX_CRON_CALLS = 10
# A cron call answers within the run's budget (CHECKER_BUDGET_SECONDS: 240 s in a
# container, 50 s on Vercel) plus its hard stop; the client waits that long, not less,
# so that a loaded machine slows the run down instead of failing it.
CRON_TIMEOUT = 250
EMAIL_FROM = "certificates@laurel.example.org"

VERIFY_LINK = re.compile(r'href="/verify/(LAU-[0-9A-Z-]+)"')
DOWNLOAD_LINK = re.compile(r'href="(/events/\d+/certificates/\d+\.(?:png|pdf))"')
FILE_LINK = re.compile(r'<a class="button[^"]*" href="(/verify/[^"]+)">Download (PDF|PNG)</a>')

# Twenty-five attendees, in Latin with accents, Cyrillic (Russian, Ukrainian,
# Serbian) and Greek: the scripts the bundled Noto fonts cover.
NAMES = (
    "Александра Петрова",
    "Дмитрий Иванов",
    "Ελένη Παπαδοπούλου",
    "Γιώργος Νικολάου",
    "José Martínez",
    "François Lefèvre",
    "Zoë Brontë",
    "Søren Kierkegaard",
    "Łukasz Żółkiewski",
    "Ágnes Szőke",
    "Björn Ålander",
    "Chloé Dubois",
    "Mikuláš Dvořák",
    "İlkay Gündoğan",
    "Nuño Peña",
    "Ана Јовановић",
    "Ґалина Їжакевич",
    "Σωκράτης Αλεξίου",
    "Ada Lovelace",
    "Grace Hopper",
    "Émilie du Châtelet",
    "Jürgen Großmann",
    "Þóra Ævarsdóttir",
    "Mary-Jane O'Neil",
    "Ngũgĩ wa Thiong'o",
)


def participants_csv() -> bytes:
    """The attendees, with a custom field (role) that the certificate prints."""
    lines = ["name,email,attended,Role"]
    for number, name in enumerate(NAMES, start=1):
        role = "Speaker" if number % 5 == 1 else "Participant"
        lines.append(f"{name},attendee{number:02d}@example.org,yes,{role}")
    return ("\n".join(lines) + "\n").encode()


LAYOUT_TEXTAREA = re.compile(r'<textarea[^>]*id="layout"[^>]*>(.*?)</textarea>', re.S)


def upload_brand_image(r: Recorder, path: str, content: bytes) -> None:
    """What upload.js does on the branding page: a grant (its key is random, so it is
    not compared), the file posted to storage over real HTTP, then the confirmation
    at `path` (logo, signatures/N/image)."""
    import requests

    page = "/settings/branding/"
    token = r.csrf(page)
    grant = r.client.request("POST", f"{page}upload", headers={"X-CSRFToken": token}).json()
    stored = requests.post(
        grant["url"], data=grant["fields"], files={"file": (path, content)}, timeout=30
    )
    assert stored.status_code in (200, 204), stored.text[:2000]
    confirmed = r.keep(
        f"POST {page}{path}",
        r.client.form(f"{page}{path}", {"key": grant["key"], "csrf_token": token}),
        "html",
    )
    assert confirmed.status == 302, confirmed.text[:3000]


def brand_and_design(r: Recorder, event: str) -> None:
    """A logo and two signatures with their signers; the built-in Branded design, its
    "attended" line saying each holder's role (the CSV's custom field), signature 2
    and its signer placed beside signature 1."""
    from tests.rendering.branded import (
        FIELD_VALUES,
        logo_png,
        second_signature_png,
        signature_png,
        with_role_and_second_signer,
    )

    page = "/settings/branding/"
    upload_brand_image(r, "logo", logo_png())
    upload_brand_image(r, "signatures/1/image", signature_png())
    added = r.keep(
        f"POST {page}signatures/add",
        r.client.form(f"{page}signatures/add", {"csrf_token": r.csrf(page)}),
        "html",
    )
    assert added.status == 302, added.text[:3000]
    upload_brand_image(r, "signatures/2/image", second_signature_png())
    for number, prefix in ((1, "signer_"), (2, "signer_2_")):
        form = f"signature-{number}-"
        signer = {form + k: FIELD_VALUES[prefix + k] for k in ("name", "title")}
        saved = r.keep(
            f"POST {page}signatures/{number}",
            r.client.form(
                f"{page}signatures/{number}", {**signer, f"{form}csrf_token": r.csrf(page)}
            ),
            "html",
        )
        assert saved.status == 302, saved.text[:3000]
    design = f"{event}/design/"
    applied = r.keep(
        f"POST {event}/designs/apply",
        r.client.form(
            f"{event}/designs/apply", {"source": "builtin:branded", "csrf_token": r.csrf(design)}
        ),
        "html",
    )
    assert applied.status == 302, applied.text[:3000]
    shown = r.get(design)
    layout = json.loads(html.unescape(LAYOUT_TEXTAREA.search(shown.text).group(1)))
    token = CSRF_FIELD.search(shown.text).group(1)
    saved = r.keep(
        f"POST {design}layout",
        r.client.form(
            f"{design}layout",
            {"layout": json.dumps(with_role_and_second_signer(layout)), "csrf_token": token},
        ),
        "html",
    )
    assert saved.status == 302, saved.text[:3000]


@dataclass(frozen=True)
class EventTimes:
    """An event that ended a few minutes ago, as the form takes it (local time)."""

    starts_at: str
    ends_at: str

    @classmethod
    def just_ended(cls, now: datetime | None = None) -> EventTimes:
        local = (now or datetime.now(UTC)).astimezone(ZoneInfo(EVENT_TIMEZONE))
        end = (local - timedelta(minutes=5)).replace(second=0, microsecond=0)
        start = end - timedelta(hours=3)
        return cls(start.strftime("%Y-%m-%dT%H:%M"), end.strftime("%Y-%m-%dT%H:%M"))


# --- HTTP ------------------------------------------------------------------------


Reply = Response


class Client(EdgeClient):
    """The same edge as tests/vercel's PlatformClient, for both models."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url, public_host=PUBLIC_HOST)


def compared_headers(headers: http.client.HTTPMessage) -> dict[str, list[str]]:
    return {
        name: headers.get_all(name) or []
        for name in COMPARED_HEADERS
        if headers.get_all(name) is not None
    }


def fetch(url: str) -> tuple[int, http.client.HTTPMessage, bytes]:
    """GET a presigned storage URL over real HTTP, as a browser follows the link."""
    assert url.startswith("http://127.0.0.1:"), f"not a link to the local S3 server: {url}"
    request = urllib.request.Request(url.replace("&amp;", "&"), method="GET")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.headers, response.read()


# --- the scenario ----------------------------------------------------------------


class Recorder:
    """The client, writing down every exchange for the comparison."""

    def __init__(self, base_url: str) -> None:
        self.client = Client(base_url)
        self.exchanges: list[Exchange] = []
        # Within-run facts the test checks against the rows: code -> {kind: sha256}.
        self.files: dict[str, dict[str, set[str]]] = {}
        self.zip_members: dict[str, str] = {}  # name -> sha256
        self.zip_order: list[str] = []

    def keep(self, label: str, reply: Reply, kind: str) -> Reply:
        self.exchanges.append(
            Exchange(label, reply.status, compared_headers(reply.headers), reply.body, kind)
        )
        return reply

    def get(self, path: str, kind: str = "html", **options: object) -> Reply:
        return self.keep(f"GET {path}", self.client.request("GET", path, **options), kind)  # type: ignore[arg-type]

    def csrf(self, path: str) -> str:
        page = self.get(path)
        match = CSRF_FIELD.search(page.text)
        assert match, f"no CSRF token on {path} ({page.status}):\n{page.text[:1000]}"
        return match.group(1)

    def follow_storage_link(self, label: str, url: str, code: str, kind: str) -> None:
        status, headers, body = fetch(url)
        digest = hashlib.sha256(body).hexdigest()
        self.files.setdefault(code, {}).setdefault(kind, set()).add(digest)
        facts = {
            "content_type": headers.get("Content-Type"),
            "content_disposition": headers.get("Content-Disposition"),
            "signature": _magic(body),
        }
        self.exchanges.append(Exchange(f"{label} -> storage", status, {}, b"", "file", facts))


def _magic(body: bytes) -> str:
    for prefix, name in ((b"\x89PNG\r\n\x1a\n", "PNG"), (b"%PDF-", "PDF"), (b"PK\x03\x04", "ZIP")):
        if body.startswith(prefix):
            return name
    return f"unknown ({body[:8]!r})"


def run_scenario(base_url: str, times: EventTimes, *, email: bool = False) -> Recorder:
    """The organizer's and the public's requests, in order; returns what came back.

    With `email` (the deployment has a transport), the event emails its
    certificates: turned on before the cron route issues them, so each one's
    message is queued with it and sent by the same runs."""
    r = Recorder(base_url)
    health = r.get("/healthz", kind="json")
    assert health.status == 200, health.text

    # Sign in.
    token = r.csrf("/auth/login")
    signed_in = r.keep(
        "POST /auth/login",
        r.client.form(
            "/auth/login",
            {"email": ORGANIZER_EMAIL, "password": ORGANIZER_PASSWORD, "csrf_token": token},
        ),
        "html",
    )
    assert signed_in.status == 302, signed_in.text[:2000]
    r.get("/events/")

    # An event that has just ended.
    created = r.keep(
        "POST /events/new",
        r.client.form(
            "/events/new",
            {
                "csrf_token": r.csrf("/events/new"),
                "title": EVENT_TITLE,
                "description": "One scenario, two execution models, the same result.",
                "timezone": EVENT_TIMEZONE,
                "starts_at": times.starts_at,
                "ends_at": times.ends_at,
            },
        ),
        "html",
    )
    assert created.status == 302, created.text[:2000]
    event = urlsplit(created.headers["Location"]).path
    assert re.fullmatch(r"/events/\d+", event), event
    r.get(event)

    # Twenty-five attendees from a CSV file.
    imported = r.keep(
        f"POST {event}/participants/import",
        r.client.upload(
            f"{event}/participants/import",
            {"csrf_token": r.csrf(f"{event}/participants/import")},
            "file",
            "attendees.csv",
            participants_csv(),
        ),
        "html",
    )
    assert imported.status == 302, imported.text[:3000]
    r.get(event)
    r.get(f"{event}/participants/export.csv", kind="text")
    brand_and_design(r, event)

    # The certificate preview is rendered inside the server process, from the
    # same data on both models: its bytes must be identical.
    r.get(f"{event}/design/")
    preview = r.get(f"{event}/design/preview.png", kind="bytes")
    assert preview.status == 200, preview.text[:2000]

    if email:
        turn_email_on(r, event)

    # The cron route: refused without the secret, then run until nothing is left
    # (no certificate owed and, with email on, no message due).
    cron = "/api/cron/check-events"
    refused = r.get(cron, kind="json")
    assert refused.status == 401, refused.text
    bearer = {"Authorization": f"Bearer {CRON_SECRET}"}
    for _ in range(MAX_CRON_CALLS):
        ran = r.get(cron, kind="json", headers=bearer, timeout=CRON_TIMEOUT)
        assert ran.status == 200, ran.text[:2000]
        if ran_remaining(ran) == 0 and json.loads(ran.body)["outcome"] == "done":
            break
    else:
        raise AssertionError(f"work still left after {MAX_CRON_CALLS} cron calls: {ran.text}")
    again = r.get(cron, kind="json", headers=bearer, timeout=CRON_TIMEOUT)
    assert again.status == 200, again.text

    page = r.get(event)
    r.get("/events/")
    codes = VERIFY_LINK.findall(page.text)
    assert len(codes) == len(NAMES), f"{len(codes)} verify links on the event page"
    if email:
        # Each certificate's delivery, as the organizer sees it.
        delivered = page.text.count('data-delivery="sent"')
        assert delivered == len(NAMES), f"{delivered} deliveries shown as sent"

    # The public verification page of every certificate, and its two files.
    for code in codes:
        verified = r.get(f"/verify/{code}")
        assert verified.status == 200, verified.text[:2000]
        assert f"/verify/{code}/issuer-logo.png" in verified.text, "the issuer's logo"
        links = dict((kind, url) for url, kind in FILE_LINK.findall(verified.text))
        assert set(links) == {"PDF", "PNG"}, verified.text[:3000]
        for kind, path in sorted(links.items()):
            clicked = r.get(path)
            assert clicked.status == 302, (path, clicked.status, clicked.text[:500])
            r.follow_storage_link(
                f"Download {kind} of {code}", clicked.headers["Location"], code, kind.lower()
            )
    logo = r.get(f"/verify/{codes[0]}/issuer-logo.png", kind="bytes")
    assert logo.status == 200 and logo.body.startswith(b"\x89PNG"), logo.status
    lower = r.get(f"/verify/{codes[0].lower()}")
    assert lower.status == 301, lower.status
    unknown = r.get("/verify/LAU-0000-0000-0000-0000")
    assert unknown.status == 404, unknown.status

    # The organizer's own downloads: each file, then everything as a ZIP.
    downloads = DOWNLOAD_LINK.findall(page.text)
    assert len(downloads) == 2 * len(NAMES), f"{len(downloads)} download links"
    code_of_row = dict(zip(downloads[::2], codes, strict=True))
    code_of_row.update(zip(downloads[1::2], codes, strict=True))
    for path in downloads:
        moved = r.get(path)
        assert moved.status == 302, (path, moved.status, moved.text[:500])
        r.follow_storage_link(
            f"GET {path}", moved.headers["Location"], code_of_row[path], path.rsplit(".", 1)[1]
        )
    archive = r.get(f"{event}/certificates/all.zip")
    assert archive.status == 302, archive.text[:2000]
    status, headers, body = fetch(archive.headers["Location"])
    with zipfile.ZipFile(io.BytesIO(body)) as opened:
        members = opened.infolist()
        for member in members:
            r.zip_members[member.filename] = hashlib.sha256(opened.read(member)).hexdigest()
        r.zip_order = [member.filename for member in members]
    r.exchanges.append(
        Exchange(
            f"GET {event}/certificates/all.zip -> storage",
            status,
            {},
            b"",
            "zip",
            {
                "content_type": headers.get("Content-Type"),
                "content_disposition": headers.get("Content-Disposition"),
                "members": [member.filename for member in members],
                "compression": sorted({member.compress_type for member in members}),
            },
        )
    )
    return r


def turn_email_on(r: Recorder, event: str) -> None:
    """The organizer's switch on the event page, set before the certificates are issued."""
    toggled = r.keep(
        f"POST {event}/email/toggle",
        r.client.form(f"{event}/email/toggle", {"csrf_token": r.csrf(event)}),
        "html",
    )
    assert toggled.status == 302, toggled.text[:2000]
    shown = r.get(event)
    assert 'data-email-state="on"' in shown.text, shown.text[:3000]


def ran_remaining(reply: Reply) -> int:
    data = json.loads(reply.body)
    assert data.get("outcome") in ("done", "time_up"), data
    return int(data["remaining"])
