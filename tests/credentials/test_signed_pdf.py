"""The certificate PDF carries a PAdES signature that pyHanko's own validator accepts."""

from __future__ import annotations

import io

from app.extensions import db
from app.models import Certificate
from tests.certificates.test_issue_and_verify import issue_all


def validate(pdf: bytes, trusted_der: bytes):
    from asn1crypto import x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    assert len(signatures) == 1
    context = ValidationContext(trust_roots=[x509.Certificate.load(trusted_der)])
    return signatures[0], validate_pdf_signature(signatures[0], context)


def test_the_stored_pdf_is_signed_pades_and_a_change_breaks_it(app, client, ended_event):
    from app.certificates.issuing import render_files
    from app.credentials.pdf_signing import pdf_signing
    from app.storage import get_storage

    code = issue_all(client, app, ended_event)[0]
    with app.app_context():
        row = db.session.query(Certificate).filter_by(code=code).one()
        pdf = get_storage().get(row.pdf_key)
        _key, certificate = pdf_signing()
        assert render_files(row, row.event)[1] == pdf  # deterministic: signed again, same bytes
        issued_at = row.issued_at

    signature, status = validate(pdf, certificate)
    assert status.bottom_line, status.pretty_print_details()  # intact, valid and trusted
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert status.coverage.name == "ENTIRE_FILE"
    assert signature.self_reported_timestamp == issued_at
    assert "signingTime" not in str(signature.signer_info["signed_attrs"].native)  # B-B: /M only
    # What a reader that does not know the certificate shows: intact, signer unknown.
    from pyhanko.sign.validation import validate_pdf_signature

    unknown = validate_pdf_signature(signature)
    assert unknown.intact and unknown.valid and not unknown.trusted

    # One byte of the signed document changed: the signature no longer holds.
    at = pdf.index(b"/Producer")
    changed = pdf[:at] + pdf[at : at + 12].replace(b"P", b"Q", 1) + pdf[at + 12 :]
    _signature, broken = validate(changed, certificate)
    assert not broken.intact and not broken.bottom_line  # the document digest differs


def test_an_operator_certificate_must_be_for_the_signing_key(app_config, other_pem):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from app import create_app
    from app.credentials import credentials_check
    from app.credentials.pdf_signing import _self_signed

    other = load_pem_private_key(other_pem.encode(), None)
    der = _self_signed(other, "someone else")
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    pem = x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM).decode()
    app_config["CREDENTIAL_SIGNING_CERTIFICATE"] = pem
    with create_app(app_config).app_context():
        ok, detail = credentials_check()
    assert not ok and "CREDENTIAL_SIGNING_CERTIFICATE is for another key" in detail
