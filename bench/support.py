"""What the bench scripts share: a migrated Laurel app on a throwaway database."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SECRET = "bench-secret-key-that-is-long-enough-0123456789"  # noqa: S105
EMAIL, PASSWORD = "bench@example.org", "bench password 1"


def migrated_app(url: str, folder: Path):
    """The app on `url` (migrated here) with local storage in `folder`, CSRF off."""
    from app import create_app
    from tests.databases import migrate

    migrate(url)
    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "STORAGE_URL": (folder / "storage").as_uri(),
            "CONFIG_PROBLEMS": [],
            "WTF_CSRF_ENABLED": False,
        }
    )


def signed_in_client(app):
    client = app.test_client()
    client.post("/auth/login", data={"email": EMAIL, "password": PASSWORD})
    return client
