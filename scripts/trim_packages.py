"""Delete the package data Laurel never reads from an installed environment.

Vercel runs this as the project's build command (vercel.json), after it has
installed requirements.txt and before it packs the function. Two wheels ship
data for the whole world: Babel the CLDR data of every locale (31 MB) and
botocore the API model of every AWS service (18 MB). Laurel formats dates in
the languages of app/events/languages.py and talks to S3 only. Without them
the function fits @vercel/python's 220 MB bytecode ceiling with room for the
bytecode of every module, so no cold start compiles (tests/vercel/test_compileall.py).

Only data files go: @vercel/python packs a distribution's files from its
RECORD and skips the ones that are missing, but it compiles every `.py` the
RECORD lists. What the app formats is checked before and after, in fresh
interpreters; a difference fails the build. Run by hand:

    python scripts/trim_packages.py [--dry-run]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The S3 client's model, and the services botocore's credential providers call
# (STS for web-identity roles such as Vercel's OIDC federation, SSO for profiles).
BOTOCORE_SERVICES = frozenset({"s3", "sts", "sso", "sso-oidc"})


def babel_locales_used() -> set[str]:
    """Every locale file Babel loads for the event languages, parents included."""
    from babel import localedata

    from app.events.languages import LANGUAGES

    loaded: set[str] = set()
    load = localedata.load

    def recording(name, merge_inherited=True):
        loaded.add(os.path.basename(name))
        return load(name, merge_inherited)

    localedata.load = recording  # parents are loaded through the module attribute
    try:
        for code, _name in LANGUAGES:
            fingerprint_one(code)  # formatting loads the locale and its parents
    finally:
        localedata.load = load
    return loaded


def fingerprint_one(code: str) -> list[str]:
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


def fingerprint() -> str:
    """Dates in every event language, and an S3 client's presigned link."""
    import boto3

    from app.events.languages import LANGUAGES

    client = boto3.session.Session().client(
        "s3",
        region_name="us-east-1",
        endpoint_url="https://s3.example.test",
        aws_access_key_id="trim",
        aws_secret_access_key="trim",  # noqa: S106 - signs nothing real
    )
    link = client.generate_presigned_url("get_object", {"Bucket": "b", "Key": "k"}, ExpiresIn=60)
    dates = {code: fingerprint_one(code) for code, _name in LANGUAGES}
    return json.dumps({"dates": dates, "s3": link.split("?")[0]}, ensure_ascii=False)


def in_fresh_interpreter(function: str) -> str:
    completed = subprocess.run(  # noqa: S603 - this interpreter, this module
        [
            sys.executable,
            "-c",
            f"from scripts.trim_packages import {function}; print({function}())",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"trim_packages: {function}() failed:\n{completed.stderr}")
    return completed.stdout


def removable() -> list[Path]:
    import babel
    import botocore

    keep = babel_locales_used()
    locale_data = Path(babel.__file__).parent / "locale-data"
    files = [p for p in locale_data.glob("*.dat") if p.stem not in keep]
    data = Path(botocore.__file__).parent / "data"
    for service in data.iterdir():
        if service.is_dir() and service.name not in BOTOCORE_SERVICES:
            files += [p for p in service.rglob("*") if p.is_file() and p.suffix != ".py"]
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="say what would go, delete nothing")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    before = in_fresh_interpreter("fingerprint")
    files = removable()
    size = sum(p.stat().st_size for p in files)
    print(f"trim_packages: {len(files)} data files, {size / 2**20:.1f} MB, that Laurel never reads")
    if args.dry_run:
        return 0
    for path in files:
        path.unlink()
    after = in_fresh_interpreter("fingerprint")
    if after != before:
        print(
            "trim_packages: the app formats differently without them; not trimmed safely",
            file=sys.stderr,
        )
        return 1
    print("trim_packages: dates in every event language and the S3 client are unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
