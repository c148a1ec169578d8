"""The transports, one `send` each; `SendError.permanent` says whether to retry.

SMTP uses the standard library's smtplib/email: no dependency, explicit
timeouts, STARTTLS and implicit TLS. The HTTP API is Resend's, through its
official SDK (app/mail/resend_api.py); each request carries the message's
`Idempotency-Key`, so a repeated attempt (after a crash between sending and
recording) is dropped by the provider.
"""

from __future__ import annotations

import logging
import smtplib
import ssl

from app.mail.building import Letter
from app.mail.settings import MailSettings

log = logging.getLogger(__name__)


class SendError(Exception):
    def __init__(self, reason: str, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


def send(letter: Letter, settings: MailSettings, key: str) -> str | None:
    """Deliver `letter`; what the local outbox keeps (else None). Raises SendError."""
    if settings.kind == "smtp":
        _smtp(letter, settings, key)
        return None
    if settings.kind == "api":
        from app.mail import resend_api  # loads the SDK (and requests) on first use

        resend_api.send(letter, settings, key)
        return None
    if settings.kind == "outbox":
        # Development: also in the console, where a signed-out organizer reads a reset link.
        log.info("local outbox: to %s, %r\n%s", letter.to, letter.subject, letter.text)
        return letter.as_email(settings, _message_id(key, settings)).as_string()
    raise SendError("Email is off: set EMAIL_URL to send messages.", permanent=False)


def _message_id(key: str, settings: MailSettings) -> str:
    return f"<{key}@{settings.sender.split('@')[-1] or 'laurel'}>"


def _smtp(letter: Letter, settings: MailSettings, key: str) -> None:
    message = letter.as_email(settings, _message_id(key, settings))
    context = ssl.create_default_context()
    try:
        if settings.security == "tls":
            client = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=context
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with client:
            if settings.security == "starttls":
                client.starttls(context=context)
            if settings.username:
                client.login(settings.username, settings.password)
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        code, reason = next(iter(exc.recipients.values()))
        raise SendError(_reply(code, reason), permanent=code >= 500) from exc
    except smtplib.SMTPResponseException as exc:
        raise SendError(_reply(exc.smtp_code, exc.smtp_error), exc.smtp_code >= 500) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError(f"The mail server did not answer: {exc}", permanent=False) from exc


def _reply(code: int, reason: bytes | str) -> str:
    text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else reason
    return f"The mail server answered {code}: {text}"
