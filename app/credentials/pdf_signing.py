"""The certificate PDF signed (PAdES B-B) with the issuer's credential key.

pyHanko appends the signature as an incremental update: an invisible signature
field whose CMS (`ETSI.CAdES.detached`, SHA-256, RSA PKCS#1 v1.5) covers the
whole PDF fpdf2 wrote. The X.509 certificate is the operator's
(`CREDENTIAL_SIGNING_CERTIFICATE`, PEM, for the same key) or else one Laurel
makes itself, self-signed: readers then show the signature as intact but from an
unknown signer (Acrobat: "validity unknown") until the reader trusts it.

Deterministic where the standard allows: the signing time is the certificate's
issue time, the self-signed certificate is made from the key alone, RSA PKCS#1
v1.5 signatures are deterministic, and the trailer's second /ID (random in
pyHanko) is derived from the signed input instead, and the document information
is left as fpdf2 wrote it (pyHanko would set /ModDate to the clock). The same
data gives the same bytes on every platform.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

SETTING = "CREDENTIAL_SIGNING_CERTIFICATE"
FIELD = "Laurel"
# The self-signed certificate's validity: wide, fixed, so it is the same everywhere.
NOT_BEFORE = datetime(2024, 1, 1, tzinfo=UTC)
NOT_AFTER = datetime(2124, 1, 1, tzinfo=UTC)


def _self_signed(private, name: str) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    public = private.public_key()
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Laurel certificate issuer"),
        ]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(int.from_bytes(hashlib.sha256(der).digest()[:16], "big") >> 1)
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
    )
    return builder.sign(private, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def signing_certificate(key, config, name: str) -> tuple[bytes | None, str | None]:
    """The DER certificate for the key, and what is wrong with the setting if anything."""
    from cryptography import x509

    private = key.raw_value
    text = (config.get(SETTING) or "").strip().replace("\\n", "\n")
    if not text:
        return _self_signed(private, name), None
    try:
        given = x509.load_pem_x509_certificates(text.encode())[0]
    except ValueError as exc:
        return None, f"{SETTING} is not a PEM certificate ({exc})"
    if given.public_key().public_numbers() != private.public_key().public_numbers():
        return None, f"{SETTING} is for another key than CREDENTIAL_SIGNING_KEY"
    from cryptography.hazmat.primitives import serialization

    return given.public_bytes(serialization.Encoding.DER), None


def _signer(key, certificate_der: bytes):
    from asn1crypto import keys, x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    private = key.raw_value

    class Signer(signers.SimpleSigner):
        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            # pyHanko parses the DER key on every signature (twice per PDF, a
            # tenth of a second each: RSA key checks); the key is loaded already.
            assert digest_algorithm == "sha256"
            return private.sign(data, PKCS1v15(), hashes.SHA256())

    der = private.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return Signer(
        signing_cert=x509.Certificate.load(certificate_der),
        signing_key=keys.PrivateKeyInfo.load(der),
        cert_registry=SimpleCertificateStore(),
    )


def sign_pdf(pdf: bytes, at: datetime, key, certificate_der: bytes) -> bytes:
    """The PDF with a PAdES B-B signature made at `at` (the certificate's issue time)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers.pdf_signer import PdfSigner

    digest = hashlib.sha256(pdf).digest()

    class Writer(IncrementalPdfFileWriter):
        @classmethod
        def _handle_id(cls, prev):
            # pyHanko draws the second /ID at random; derived here, the bytes repeat.
            from pyhanko.pdf_utils import generic

            try:
                first = prev.trailer["/ID"][0]
            except KeyError:
                first = generic.ByteStringObject(digest[16:])
            return generic.ArrayObject([first, generic.ByteStringObject(digest[:16])])

        def _update_meta(self):
            # pyHanko would stamp /ModDate with the clock; the document information
            # stays as rendered (its dates are the certificate's), so the bytes repeat.
            pass

    class Signer(PdfSigner):
        def init_signing_session(self, pdf_out, existing_fields_only=False):
            session = super().init_signing_session(pdf_out, existing_fields_only)
            session.system_time = at  # the /M entry and the CMS signing time
            return session

    meta = signers.PdfSignatureMetadata(
        field_name=FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason="Certificate issued by Laurel",
    )
    signer = Signer(meta, signer=_signer(key, certificate_der))
    return _outside_any_event_loop(lambda: signer.sign_pdf(Writer(io.BytesIO(pdf))).getvalue())


def _outside_any_event_loop(sign):
    """pyHanko signs through `asyncio.run`, which refuses to start inside a thread whose
    event loop is running (an ASGI wrapper, a test driver such as Playwright's sync
    API): there the signature is made on a short-lived thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return sign()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdf-signing") as pool:
        return pool.submit(sign).result()


def pdf_signing() -> tuple[object, bytes] | None:
    """The key and certificate PDFs are signed with (None while credentials are off or
    the certificate setting is wrong), made once per app."""
    from flask import current_app

    from app.credentials.keys import signing_key

    cache = current_app.extensions.setdefault("laurel.credentials", {})
    if "pdf" not in cache:
        key = signing_key()
        if key.key is None:
            cache["pdf"] = (None, None)
        else:
            base = current_app.config.get("BASE_URL") or ""
            name = base.split("://", 1)[-1].split("/", 1)[0] or "Laurel"
            cache["pdf"] = (key.key, *signing_certificate(key.key, current_app.config, name))
    key, der, *_problem = cache["pdf"]
    return (key, der) if key is not None and der is not None else None


def certificate_problem() -> str | None:
    """What is wrong with CREDENTIAL_SIGNING_CERTIFICATE, if anything (for readiness)."""
    from flask import current_app

    pdf_signing()
    entry = current_app.extensions["laurel.credentials"]["pdf"]
    return entry[2] if len(entry) > 2 else None
