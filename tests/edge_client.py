"""An HTTP client standing where a platform's TLS-terminating edge stands.

It speaks HTTP/1.1 to a server on loopback the way Vercel's edge or a PaaS
router forwards a browser's request: `X-Forwarded-Proto: https`, the client's
address in `X-Forwarded-For`, optionally a public host in `Host` and
`X-Forwarded-Host`, a same-origin `Referer` on POST. It keeps cookies even
when they are marked Secure (the browser saw https) and follows no redirect.
The gunicorn, Vercel and parity tests all use it, so both execution models
are spoken to byte for byte alike.
"""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

CSRF_FIELD = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
BOUNDARY = "laurel-edge-boundary-7777777777777777"


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> object:
        return json.loads(self.body)


class EdgeClient:
    def __init__(
        self,
        base_url: str,
        *,
        public_host: str | None = None,
        proto: str = "https",
        client_ip: str = "198.51.100.23",
    ) -> None:
        parts = urlsplit(base_url)
        self.address = (parts.hostname or "127.0.0.1", parts.port or 80)
        # Without a public host, the edge passes the server's own address on.
        self.public_host = public_host
        self.host = public_host or f"{self.address[0]}:{self.address[1]}"
        self.proto, self.client_ip = proto, client_ip
        self.cookies: dict[str, str] = {}

    @property
    def origin(self) -> str:
        return f"{self.proto}://{self.host}"

    def request(
        self,
        method: str,
        path: str,
        *,
        form: Mapping[str, str] | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 60,
    ) -> Response:
        if form is not None:
            body, content_type = urlencode(form).encode(), "application/x-www-form-urlencoded"
        sent = {
            "Host": self.host,
            "X-Forwarded-Proto": self.proto,
            "X-Forwarded-For": self.client_ip,
            **({"X-Forwarded-Host": self.public_host} if self.public_host else {}),
            **({"Content-Type": content_type} if content_type else {}),
            **({"Referer": self.origin + path} if method == "POST" else {}),
            **({"Cookie": self._cookie_header()} if self.cookies else {}),
            **(headers or {}),
        }
        connection = http.client.HTTPConnection(*self.address, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            result = Response(response.status, response.headers, response.read())
        finally:
            connection.close()
        self._keep_cookies(result)
        return result

    def _cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def _keep_cookies(self, response: Response) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def get(self, path: str, **options: object) -> Response:
        return self.request("GET", path, **options)  # type: ignore[arg-type]

    def post(self, path: str, **options: object) -> Response:
        return self.request("POST", path, **options)  # type: ignore[arg-type]

    def form(self, path: str, fields: Mapping[str, str]) -> Response:
        return self.request("POST", path, form=fields)

    def upload(
        self, path: str, fields: Mapping[str, str], name: str, filename: str, data: bytes
    ) -> Response:
        """A multipart form with one file, as a browser posts it."""
        parts = [
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
            f"{value}\r\n".encode()
            for key, value in fields.items()
        ]
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
        parts.append(f"--{BOUNDARY}--\r\n".encode())
        return self.request(
            "POST",
            path,
            body=b"".join(parts),
            content_type=f"multipart/form-data; boundary={BOUNDARY}",
        )

    def csrf_token(self, path: str) -> str:
        page = self.get(path)
        match = CSRF_FIELD.search(page.text)
        assert match, f"no CSRF token on {path} ({page.status}): {page.text[:500]}"
        return match.group(1)
