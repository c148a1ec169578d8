"""What Laurel does with its packages, as one string, for scripts/trim_packages.py.

trim_packages takes this fingerprint in a fresh interpreter before it deletes or
strips anything and again after; any difference fails the build. It covers each
package the trim touches: the dates of every event language (Babel), an S3
client's presigned link (botocore), certificates in several scripts, Latin,
Arabic, Hebrew, Devanagari, Thai, CJK and a mixed line, plus the branded sample
with its images, each as PNG and as signed PDF bytes (Pillow, fontTools,
uHarfBuzz, fpdf2, pyHanko with its aiohttp stack, cryptography), uploads decoded
as PNG, JPEG and WebP, a database round trip through the app's tables
(SQLAlchemy's compiled extensions), and an import of every module of the app and
every third-party module it names.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The samples of tests/rendering/scripts.py drawn here: one per shaping engine path.
SCRIPTS = ("latin", "arabic", "hebrew", "devanagari", "thai", "japanese", "korean", "mixed")
SIGNED_AT = "2025-03-14T18:00:00+00:00"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dates_of(code: str) -> list[str]:
    """What a certificate of an event in this language says of its dates."""
    from datetime import datetime

    from app.certificates.issuing import event_date_text
    from app.models import Event

    # One day, days of one month, of two months, of two years: each a pattern of its own.
    spans = [
        ("2026-05-02 09:00+00:00", "2026-05-02 17:00+00:00"),
        ("2026-05-02 09:00+00:00", "2026-05-04 17:00+00:00"),
        ("2026-05-30 09:00+00:00", "2026-06-02 17:00+00:00"),
        ("2026-12-30 09:00+00:00", "2027-01-02 17:00+00:00"),
    ]
    texts = []
    for start, end in spans:
        event = Event(
            language=code,
            timezone="UTC",
            starts_at=datetime.fromisoformat(start),
            ends_at=datetime.fromisoformat(end),
        )
        texts.append(event_date_text(event))
    return texts


def s3_link() -> str:
    import boto3

    client = boto3.session.Session().client(
        "s3",
        region_name="us-east-1",
        endpoint_url="https://s3.example.test",
        aws_access_key_id="trim",
        aws_secret_access_key="trim",  # noqa: S106 - signs nothing real
    )
    link = client.generate_presigned_url("get_object", {"Bucket": "b", "Key": "k"}, ExpiresIn=60)
    return link.split("?")[0]


def certificates(pem: bytes) -> dict[str, list[str]]:
    """PNG and signed PDF digests of each sample, signed with the key in `pem`."""
    from datetime import datetime

    from joserfc.jwk import RSAKey

    from app.certificates.rendering import render_png_pdf
    from app.credentials.pdf_signing import sign_pdf, signing_certificate
    from tests.rendering.branded import render_branded
    from tests.rendering.scripts import certificate_data

    key = RSAKey.import_key(pem)
    certificate, problem = signing_certificate(key, {}, "trim.example.test")
    assert certificate is not None, problem
    at = datetime.fromisoformat(SIGNED_AT)
    drawn = {script: render_png_pdf(certificate_data(script)) for script in SCRIPTS}
    drawn["branded"] = render_branded()
    return {
        name: [digest(png), digest(sign_pdf(pdf, at, key, certificate))]
        for name, (png, pdf) in drawn.items()
    }


def uploads() -> dict[str, str]:
    """A template image as each accepted upload format, decoded the app's way."""
    import io

    from app.certificates.rendering.background import open_checked
    from tests.rendering.helpers import template_image

    image = template_image((600, 424)).convert("RGB")
    decoded = {}
    for kind in ("PNG", "JPEG", "WEBP"):
        out = io.BytesIO()
        image.save(out, kind)
        opened = open_checked(out.getvalue(), (kind,))
        decoded[kind] = digest(opened.convert("RGB").tobytes())
    return decoded


def database() -> list[str]:
    """The app's tables created on SQLite, and a typed row written and read back."""
    from datetime import UTC, datetime
    from decimal import Decimal

    import sqlalchemy as sa

    import app.models  # noqa: F401 - every table on the metadata
    from app.extensions import db

    engine = sa.create_engine("sqlite://")
    db.metadata.create_all(engine)
    probe = sa.Table(
        "trim_probe",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(40)),
        sa.Column("at", sa.DateTime(timezone=True)),
        sa.Column("amount", sa.Numeric(10, 2)),
        sa.Column("data", sa.JSON),
    )
    probe.create(engine)
    with engine.begin() as connection:
        row = {"name": "Zoë", "at": datetime(2025, 3, 14, tzinfo=UTC), "amount": Decimal("1.50")}
        connection.execute(probe.insert(), [{**row, "id": i, "data": {"i": i}} for i in range(3)])
        rows = connection.execute(sa.select(probe).order_by(probe.c.id.desc())).all()
        counts = [
            connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in db.metadata.sorted_tables
        ]
    return [repr(tuple(row)) for row in rows] + [f"{len(counts)} tables, {sum(counts)} rows"]


def app_modules() -> list[str]:
    """Every module of the app (api/index.py only builds the app from them)."""
    import app

    names = [info.name for info in pkgutil.walk_packages(app.__path__, "app.")]
    return ["app", *sorted(names)]


def third_party_imports() -> set[str]:
    """Modules outside the standard library imported anywhere in app/ and api/, lazily
    or not, by their full dotted names (`from x.y import z` names x.y)."""
    names: set[str] = set()
    for path in [*(ROOT / "app").rglob("*.py"), ROOT / "api" / "index.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
    local = {"app", "api", "__future__", *sys.stdlib_module_names}
    return {name for name in names if name.split(".")[0] not in local}


def imports() -> list[str]:
    """The modules that fail to import (none, before and after)."""
    failed = []
    for name in [*app_modules(), *sorted(third_party_imports())]:
        try:
            importlib.import_module(name)
        except Exception as exc:  # any failure is a difference
            failed.append(f"{name}: {type(exc).__name__}: {exc}")
    return failed


def fingerprint() -> str:
    from app.events.languages import LANGUAGES

    pem = sys.stdin.buffer.read()
    return json.dumps(
        {
            "dates": {code: dates_of(code) for code, _name in LANGUAGES},
            "s3": s3_link(),
            "certificates": certificates(pem),
            "uploads": uploads(),
            "database": database(),
            "import failures": imports(),
        },
        ensure_ascii=False,
        indent=1,
    )


def in_fresh_interpreter(pem: bytes) -> str:
    """The fingerprint from a new interpreter, which sees the packages as they are now."""
    completed = subprocess.run(  # this interpreter, this module
        [sys.executable, "-c", "from scripts.trim_check import fingerprint; print(fingerprint())"],
        cwd=ROOT,
        input=pem,
        capture_output=True,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"trim_check: the fingerprint failed:\n{completed.stderr.decode()}")
    return completed.stdout.decode()


def signing_key_pem() -> bytes:
    """A throwaway RSA key for this build's before/after signatures."""
    from app.credentials.keys import new_private_pem

    return new_private_pem().encode()
