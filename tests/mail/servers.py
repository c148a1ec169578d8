"""Real servers on loopback for the mail tests: SMTP (aiosmtpd, STARTTLS) and an email API."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, made here with `cryptography`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp.crt", folder / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class Inbox:
    """aiosmtpd handler: keeps every accepted message; refuses `reject-*` recipients."""

    def __init__(self) -> None:
        self.messages: list = []
        self.raw: list[bytes] = []  # as received, for comparisons that parse it themselves
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)
            self.raw.append(bytes(envelope.content))
        return "250 Message accepted for delivery"

    def received(self) -> list[bytes]:
        with self.lock:
            return list(self.raw)


class SmtpServer:
    """STARTTLS required with a certificate made in `folder`; plain SMTP without one
    (for servers in other processes, which would need SSL_CERT_FILE)."""

    def __init__(self, folder: Path | None) -> None:
        from aiosmtpd.controller import Controller

        tls: dict[str, object] = {}
        if folder is not None:
            cert, key = self_signed(folder)
            self.ca_file = cert
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert, key)
            tls = {"tls_context": context, "require_starttls": True}
        self.inbox = Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **tls)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


# Resend's error names for the statuses the tests answer with (its API reference, Errors).
ERROR_NAMES = {
    403: "invalid_api_key",
    409: "concurrent_idempotent_requests",
    422: "validation_error",
    429: "rate_limit_exceeded",
    500: "application_error",
    503: "application_error",
}


class ApiServer:
    """Speaks Resend's `POST /emails`: keeps each request, answers as the provider does
    (`{"id"}`, or `{"statusCode", "name", "message"}`); `status` sets the answer,
    `hold` makes it wait (until the test ends) so that the client times out."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        self.hold = False
        self.delay = 0.0
        self.released = threading.Event()
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with outer.lock:
                    outer.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "json": json.loads(body)}
                    )
                    number = len(outer.requests)
                if outer.hold:
                    outer.released.wait(30)
                elif outer.delay:
                    outer.released.wait(outer.delay)
                status = outer.status
                answer = {"id": f"msg-{number}"}
                if status != 200:
                    answer = {
                        "statusCode": status,
                        "name": ERROR_NAMES.get(status, "application_error"),
                        "message": "The to address is invalid",
                    }
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (a timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> ApiServer:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()
