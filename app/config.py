"""Settings, read from the environment in this one place.

Nothing here raises: a missing or wrong setting becomes a *problem* that the
app reports on every page and once in the log, so that a misconfigured deploy
still imports and can say what is wrong.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# Values people paste from examples; accepting them in production would sign
# sessions with a key that half the internet knows.
PLACEHOLDER_SECRETS = frozenset(
    {
        "",
        "changeme",
        "change-me",
        "changethis",
        "secret",
        "dev",
        "development",
        "please-change-me",
        "replace-me",
        "your-secret-key",
        "xxx",
        "test",
    }
)
MIN_SECRET_LENGTH = 24
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})

# The serverless body limit is 4.5 MB; stay under it everywhere so that a
# request that works in a container also works on Vercel.
MAX_REQUEST_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    """A setting that is missing or wrong, named so that the fix is obvious."""

    setting: str
    message: str


def detect_platform(env: Mapping[str, str]) -> str:
    """Name the execution model from the variables each platform injects."""
    if env.get("VERCEL"):
        return "vercel"
    if env.get("RENDER"):
        return "render"
    if env.get("RAILWAY_ENVIRONMENT") or env.get("RAILWAY_PROJECT_ID"):
        return "railway"
    if env.get("FLY_APP_NAME"):
        return "fly"
    if env.get("LAUREL_CONTAINER"):
        return "docker"
    return "local"


def as_bool(value: str | None, default: bool = False) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in TRUE_WORDS


def normalise_database_url(url: str) -> str:
    """Point PostgreSQL URLs at psycopg 3; platforms hand out `postgres://`,
    which SQLAlchemy 2 rejects."""
    url = url.strip()
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith(("postgresql+psycopg://", "sqlite://")):
        return url
    scheme = url.split("://", 1)[0] if "://" in url else url[:20]
    raise ValueError(
        f"DATABASE_URL has the unsupported scheme {scheme!r}; use postgres://, "
        "postgresql:// or sqlite:///"
    )


# Connections one serverless instance keeps, and may add under a burst.
# vc_init serves each connection in its own thread and Fluid compute sends one
# instance concurrent requests, so the pool must let a page through while a
# checker run holds a connection (docs/vercel.md has the arithmetic).
SERVERLESS_POOL_SIZE = 4
SERVERLESS_MAX_OVERFLOW = 2
# A connection idle longer than this is checked before use: frozen instances,
# poolers and managed databases drop idle connections; a busy one costs no
# extra round trip.
PING_IDLE_SECONDS = 10.0
POOLER_WORDS = frozenset({"transaction", "pgbouncer"})
NO_POOLER_WORDS = frozenset({"none", "session", "direct", "off", "false", "0"})


def uses_transaction_pooler(url: str, setting: str | None = None) -> bool:
    """Whether `url` goes through a pooler in transaction mode (PgBouncer,
    Supavisor), which cannot keep psycopg's server-side prepared statements.

    DATABASE_POOLER decides when set; otherwise Neon's `-pooler` hosts and
    Supabase's transaction port 6543 are recognised.
    """
    word = (setting or "").strip().lower()
    if word in POOLER_WORDS:
        return True
    if word in NO_POOLER_WORDS:
        return False
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    host = (parts.hostname or "").split(".", 1)[0]
    return host.endswith("-pooler") or port == 6543


def engine_options(
    url: str, serverless: bool, threads: int, env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Pool settings for the execution model.

    A gunicorn worker keeps one connection per thread (plus two for a
    request that needs a second); a serverless instance keeps a few, since it
    serves concurrent requests too. DATABASE_POOL_SIZE and
    DATABASE_MAX_OVERFLOW override either. Connections are checked only after
    sitting idle (`ping_idle_seconds`, applied by app/database.py), not on every
    checkout.
    """
    env = env or {}
    if url.startswith("sqlite"):
        # SQLite waits for a writer instead of failing at once.
        return {"connect_args": {"timeout": 15}}
    connect_args: dict[str, Any] = {"connect_timeout": 5}
    if uses_transaction_pooler(url, env.get("DATABASE_POOLER")):
        connect_args["prepare_threshold"] = None
    if serverless:
        size, overflow, recycle = SERVERLESS_POOL_SIZE, SERVERLESS_MAX_OVERFLOW, 300
    else:
        size, overflow, recycle = max(threads, 1), 2, 1800
    return {
        "connect_args": connect_args,
        "pool_size": _positive_int(env.get("DATABASE_POOL_SIZE"), size),
        "max_overflow": _positive_int(env.get("DATABASE_MAX_OVERFLOW"), overflow, zero=True),
        "pool_recycle": recycle,
        "pool_timeout": 20,
        "ping_idle_seconds": PING_IDLE_SECONDS,
    }


def _positive_int(value: str | None, default: int, zero: bool = False) -> int:
    try:
        number = int((value or "").strip())
    except ValueError:
        return default
    return number if number > 0 or (zero and number == 0) else default


def _secret_key(env: Mapping[str, str], production: bool, instance: Path) -> tuple[str, list]:
    value = env.get("SECRET_KEY", "")
    if production:
        if value.strip().lower() in PLACEHOLDER_SECRETS or len(value) < MIN_SECRET_LENGTH:
            problem = Problem(
                "SECRET_KEY",
                "SECRET_KEY is missing or a placeholder; set it to a random string of "
                f"at least {MIN_SECRET_LENGTH} characters "
                '(python -c "import secrets; print(secrets.token_hex(32))")',
            )
            # A throwaway key lets the app start and show the problem.
            return secrets.token_hex(32), [problem]
        return value, []
    if value:
        return value, []
    # Development keeps its key under instance/ (written by `flask dev init`);
    # creating it here would make create_app() write a file.
    key_file = instance / "secret_key"
    if key_file.is_file():
        return key_file.read_text().strip(), []
    return secrets.token_hex(32), []


def cron_secret_problem(config: Mapping[str, Any]) -> str | None:
    """Why the cron route must refuse every call, or None when its secret is usable."""
    secret = config.get("CRON_SECRET")
    if not secret:
        return (
            "CRON_SECRET is not set, so the cron route refuses every call. Set CRON_SECRET "
            "to a long random string and send it as 'Authorization: Bearer <CRON_SECRET>'."
        )
    if config.get("PRODUCTION") and len(secret) < MIN_SECRET_LENGTH:
        return (
            f"CRON_SECRET has {len(secret)} characters; use at least {MIN_SECRET_LENGTH} "
            '(python -c "import secrets; print(secrets.token_hex(32))"), so that it cannot '
            "be guessed."
        )
    return None


def readiness_problems(config: Mapping[str, Any]) -> list[Problem]:
    """Production settings that pages can do without but a deploy needs:
    /readyz reports them, the cron route names its own."""
    if not config.get("PRODUCTION"):
        return []
    problems = []
    cron = cron_secret_problem(config)
    if cron:
        problems.append(Problem("CRON_SECRET", cron))
    if not config.get("BASE_URL"):
        problems.append(
            Problem(
                "BASE_URL",
                "BASE_URL is not set; set it to the public https:// address of this app, "
                "which certificates' QR codes and emails point at.",
            )
        )
    return problems


def load_config(env: Mapping[str, str], instance_path: str) -> dict[str, Any]:
    """Build the Flask config mapping from environment variables."""
    instance = Path(instance_path)
    platform = detect_platform(env)
    serverless = platform == "vercel"
    environment = env.get("LAUREL_ENV") or ("development" if platform == "local" else "production")
    production = environment == "production"
    problems: list[Problem] = []

    secret_key, secret_problems = _secret_key(env, production, instance)
    problems += secret_problems

    raw_url = env.get("DATABASE_URL", "").strip()
    if not raw_url:
        if production:
            problems.append(
                Problem("DATABASE_URL", "DATABASE_URL is not set; point it at your PostgreSQL")
            )
        raw_url = f"sqlite:///{instance / 'laurel.sqlite'}"
    try:
        database_url = normalise_database_url(raw_url)
    except ValueError as exc:
        problems.append(Problem("DATABASE_URL", str(exc)))
        database_url = "sqlite://"

    from app.mail.settings import parse_email_url

    mail, mail_problem = parse_email_url(env, production)
    if mail_problem:
        problems.append(Problem("EMAIL_URL", mail_problem))

    threads = int(env.get("GUNICORN_THREADS", "4") or 4)
    bucket = env.get("BUCKET_NAME", "").strip()
    storage_url = env.get("STORAGE_URL", "").strip() or (
        f"s3://{bucket}" if bucket else (instance / "storage").as_uri()
    )

    max_duration = float(env.get("CHECKER_MAX_DURATION_SECONDS") or 60)
    return {
        "LAUREL_ENV": environment,
        "PLATFORM": platform,
        "SERVERLESS": serverless,
        "PRODUCTION": production,
        "CONFIG_PROBLEMS": problems,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database_url, serverless, threads, env),
        "GUNICORN_THREADS": threads,
        "BASE_URL": env.get("BASE_URL", "").strip().rstrip("/") or None,
        "SIGNUP_OPEN": as_bool(env.get("SIGNUP_OPEN")),
        "CRON_SECRET": env.get("CRON_SECRET", "").strip() or None,
        # The function's maxDuration in vercel.json (Hobby allows up to 300 s, Pro up
        # to 800 s): the cron run's budget leaves 10 s of it for the answer.
        "CHECKER_MAX_DURATION_SECONDS": max_duration,
        "CREDENTIAL_SIGNING_KEY": env.get("CREDENTIAL_SIGNING_KEY", "").strip() or None,
        "CREDENTIAL_PREVIOUS_KEYS": env.get("CREDENTIAL_PREVIOUS_KEYS", "").strip() or None,
        "CREDENTIAL_SIGNING_CERTIFICATE": env.get("CREDENTIAL_SIGNING_CERTIFICATE", "").strip()
        or None,
        "CHECKER_BUDGET_SECONDS": float(
            env.get("CHECKER_BUDGET_SECONDS") or (max_duration - 10 if serverless else 240)
        ),
        # How many checker invocations a run may keep going at once by calling the cron
        # route on BASE_URL (0: none; containers use `flask events check --workers`).
        "CHECKER_FAN_OUT": _positive_int(env.get("CHECKER_FAN_OUT"), 0, zero=True),
        # "Issue now" runs inside one page request: short enough to wait on, long
        # enough to issue dozens; the page posts again while work is due.
        "CHECKER_ISSUE_NOW_BUDGET_SECONDS": float(env.get("CHECKER_ISSUE_NOW_BUDGET_SECONDS") or 8),
        "CHECKER_EXPECTED_INTERVAL_SECONDS": int(
            env.get("CHECKER_EXPECTED_INTERVAL_SECONDS") or (86400 if serverless else 900)
        ),
        "MAIL": mail,
        "STORAGE_URL": storage_url,
        "STORAGE_ALLOW_EPHEMERAL": as_bool(env.get("STORAGE_ALLOW_EPHEMERAL")),
        "S3_ENDPOINT_URL": (env.get("S3_ENDPOINT_URL") or env.get("AWS_ENDPOINT_URL_S3") or None),
        "S3_REGION": env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None,
        "S3_ADDRESSING_STYLE": env.get("S3_ADDRESSING_STYLE", "auto") or "auto",
        "PROXY_FIX_HOPS": int(env.get("PROXY_FIX_HOPS", "1" if platform != "local" else "0")),
        "MAX_CONTENT_LENGTH": MAX_REQUEST_BYTES,
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": 30 * 24 * 3600,
        "SESSION_COOKIE_HTTPONLY": True,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "WTF_CSRF_TIME_LIMIT": None,
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    }


def database_overrides(url: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """The database keys for another URL, as tests and tools pass it."""
    normalised = normalise_database_url(url)
    return {
        "SQLALCHEMY_DATABASE_URI": normalised,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(
            normalised, config["SERVERLESS"], config.get("GUNICORN_THREADS", 4), environ()
        ),
    }


def environ() -> Mapping[str, str]:
    return os.environ
