"""Resend's HTTP API through its official Python SDK (`resend`, loaded on first send).

The SDK keeps its settings in module globals that every request reads
(`resend.api_key`, `resend.api_url`) and sends through one process-wide
`resend.default_http_client`. Two things follow for a process that sends from
several threads (vc_init's one thread per request, the checker's run thread):

- the key and the base URL are set under a lock and held while any send that
  uses them is in flight; a send with other values (two apps in one process,
  as tests make) waits for those to finish, so no request goes out with
  another configuration's key;
- the timeout, which the outbox caps per attempt to what is left of the run's
  budget, travels in a context variable to our `HTTPClient` (the SDK's
  documented way to change how it sends), which passes it to `requests`.

The message's fixed idempotency key goes in the SDK's `idempotency_key`
option (the `Idempotency-Key` header): a repeated attempt after a crash
between sending and recording is answered with the first result, not sent.
"""

from __future__ import annotations

import base64
import contextvars
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from app.mail.building import Letter
from app.mail.settings import MailSettings
from app.mail.transports import SendError

_timeout: contextvars.ContextVar[float] = contextvars.ContextVar("resend_timeout", default=10.0)
_configured = threading.Condition()
_in_flight = 0  # sends using the current resend.api_key / resend.api_url
_client_installed = False
# Characters that make an address's display name need quotes (RFC 5322 specials).
_SPECIALS = re.compile(r'[][\\()<>@,:;".]')


def send(letter: Letter, settings: MailSettings, key: str) -> None:
    """POST /emails through the SDK; raises SendError (permanent for a rejected request)."""
    import resend

    params: dict[str, Any] = {
        "from": _address(letter.sender_name, settings.sender),
        "to": [letter.to],
        "subject": letter.subject,
        "text": letter.text,
    }
    if letter.html:
        params["html"] = letter.html
    if letter.reply_to:
        params["reply_to"] = letter.reply_to
    if letter.attachments:
        params["attachments"] = [
            {
                "filename": name,
                "content": base64.b64encode(data).decode("ascii"),
                "content_type": mime,
            }
            for name, data, mime in letter.attachments
        ]
    with _settings(settings), _timeout_of(settings.timeout):
        try:
            resend.Emails.send(params, {"idempotency_key": key})  # type: ignore[arg-type]
        except resend.exceptions.ResendError as exc:
            raise _send_error(exc) from exc
        except resend.exceptions.NoContentError as exc:
            # Accepted or not, unknown: a retry with the same key cannot send it twice.
            raise SendError("The email API gave an empty answer.", permanent=False) from exc


def _address(name: str, address: str) -> str:
    if _SPECIALS.search(name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{address}>" if name else address


def _send_error(exc) -> SendError:
    if exc.error_type == "HttpClientError":
        # The SDK's wrapping of anything the HTTP client raised: a timeout, a refused
        # connection, a TLS failure. Nothing was answered, so it is tried again.
        return SendError(f"The email API did not answer: {exc.message}", permanent=False)
    try:
        code = int(str(exc.code))
    except ValueError:
        code = 500
    # 429 (rate or quota) and 5xx are the provider's trouble; a 409 for a concurrent
    # request with the same key means the first is still being processed.
    transient = code == 429 or code >= 500 or exc.error_type == "concurrent_idempotent_requests"
    name = (
        f" ({exc.error_type})" if exc.error_type and exc.error_type != "application_error" else ""
    )
    return SendError(f"The email API answered {code}{name}: {exc.message}", not transient)


@contextmanager
def _settings(settings: MailSettings) -> Iterator[None]:
    """The SDK's key and base URL set to `settings` while this send runs."""
    global _in_flight
    import resend

    wanted = (settings.password, settings.api_base)
    with _configured:
        _install_client(resend)
        ready = _configured.wait_for(
            lambda: _in_flight == 0 or (resend.api_key, resend.api_url) == wanted,
            timeout=settings.timeout,
        )
        if not ready:
            raise SendError("The email API client is busy with other settings.", permanent=False)
        resend.api_key, resend.api_url = wanted
        _in_flight += 1
    try:
        yield
    finally:
        with _configured:
            _in_flight -= 1
            _configured.notify_all()


@contextmanager
def _timeout_of(seconds: float) -> Iterator[None]:
    token = _timeout.set(seconds)
    try:
        yield
    finally:
        _timeout.reset(token)


def _install_client(resend) -> None:
    """Our HTTPClient as the SDK's default, once per process (under the lock)."""
    global _client_installed
    if not _client_installed:
        resend.default_http_client = _make_client(resend)
        _client_installed = True


def _make_client(resend):
    import requests

    class TimedClient(resend.HTTPClient):
        """The SDK's requests-based client with the current send's timeout."""

        def request(
            self,
            method: str,
            url: str,
            headers: Mapping[str, str],
            json: Any = None,
            files: Any = None,
            data: Any = None,
        ) -> tuple[bytes, int, Mapping[str, str]]:
            response = requests.request(
                method,
                url,
                headers=headers,
                json=json if files is None and data is None else None,
                files=files,
                data=data,
                timeout=_timeout.get(),
            )
            return response.content, response.status_code, response.headers

    return TimedClient()
