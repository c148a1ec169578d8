"""EMAIL_URL, parsed into the transport settings (read by app/config.py).

Never raises: a wrong value becomes a named problem and email stays off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

SMTP_SCHEMES = {"smtp": "plain", "smtp+starttls": "starttls", "smtps": "tls"}
API_SCHEMES = {"resend": "https://api.resend.com"}
LOCAL_SCHEME = "outbox"
# Above this the PDF is linked instead of attached: providers cap whole messages
# (Resend 40 MB, most SMTP relays 10-25 MB) and inboxes dislike large mail.
DEFAULT_ATTACH_LIMIT = 5 * 1024 * 1024


@dataclass(frozen=True)
class MailSettings:
    kind: str  # "smtp", "api", "outbox" or "off"
    host: str = ""
    port: int = 0
    security: str = ""  # plain | starttls | tls (SMTP)
    username: str = ""
    password: str = ""
    api_base: str = ""
    sender: str = ""  # the From address; the organizer's name is its display part
    timeout: float = 10.0
    attach_limit: int = DEFAULT_ATTACH_LIMIT

    @property
    def enabled(self) -> bool:
        return self.kind != "off"


def parse_email_url(env: Mapping[str, str], production: bool) -> tuple[MailSettings, str | None]:
    """The settings and, when EMAIL_URL is wrong, what to fix."""
    raw = env.get("EMAIL_URL", "").strip()
    sender = env.get("EMAIL_FROM", "").strip()
    limit = _int(env.get("EMAIL_ATTACH_LIMIT_BYTES"), DEFAULT_ATTACH_LIMIT)
    if not raw:
        # Development keeps mail in the local outbox; production sends nothing.
        if production:
            return MailSettings("off"), None
        return MailSettings(LOCAL_SCHEME, sender=sender or "laurel@localhost"), None
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    query = parse_qs(parts.query)
    timeout = float(_int(query.get("timeout", [""])[0], 10))
    if scheme == LOCAL_SCHEME:
        return MailSettings(LOCAL_SCHEME, sender=sender or "laurel@localhost"), None
    if scheme not in SMTP_SCHEMES and scheme not in API_SCHEMES:
        return MailSettings("off"), (
            f"EMAIL_URL has the unsupported scheme {scheme!r}; use smtp://, "
            "smtp+starttls://, smtps://, resend:// or outbox://"
        )
    if not sender or "@" not in sender:
        return MailSettings("off"), (
            "EMAIL_FROM is not set; set it to the address mail is sent from "
            "(one your provider lets you send as)"
        )
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    if scheme in API_SCHEMES:
        key = user or password
        if not key:
            return MailSettings("off"), "EMAIL_URL needs the API key: resend://<API_KEY>@"
        base = query.get("base", [API_SCHEMES[scheme]])[0].rstrip("/")
        if not base.startswith(("https://", "http://")):
            return MailSettings("off"), "EMAIL_URL's base= must be an http(s) address"
        return MailSettings(
            "api", password=key, api_base=base, sender=sender, timeout=timeout, attach_limit=limit
        ), None
    security = SMTP_SCHEMES[scheme]
    if security == "plain" and query.get("starttls", [""])[0].lower() in {"1", "true", "yes"}:
        security = "starttls"
    try:
        port = parts.port
    except ValueError:
        return MailSettings("off"), "EMAIL_URL has a port that is not a number"
    if not parts.hostname:
        return MailSettings("off"), "EMAIL_URL names no host: smtp+starttls://user:pass@host:587"
    default_port = {"plain": 25, "starttls": 587, "tls": 465}[security]
    return MailSettings(
        "smtp",
        host=parts.hostname,
        port=port or default_port,
        security=security,
        username=user,
        password=password,
        sender=sender,
        timeout=timeout,
        attach_limit=limit,
    ), None


def _int(value: str | None, default: int) -> int:
    try:
        number = int((value or "").strip())
    except ValueError:
        return default
    return number if number > 0 else default
