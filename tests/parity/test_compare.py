"""The comparison of two parity runs, on made-up runs: noise is ignored, and
every kind of real difference is reported (so the failure path of
test_parity.py is exercised on every run, not only when the models drift)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tests.parity.compare import (
    Exchange,
    RunRecord,
    compare_exchanges,
    compare_mails,
    compare_objects,
    compare_rows,
    compare_runs,
    report,
)

T0 = datetime(2026, 5, 5, 23, 59, 30, tzinfo=UTC)  # close to midnight on purpose
BASE = "https://laurel.example.org"


def verify_page(code: str, name: str, csrf: str, port: int, bucket: str, stamp: str) -> bytes:
    link = (
        f"http://127.0.0.1:{port}/{bucket}/certificates/certificates/{code}.pdf"
        f"?response-content-disposition=attachment%3B%20filename%3Dcertificate-{code}.pdf"
        f"&amp;X-Amz-Credential=testing%2F{stamp[:8]}%2Fus-east-1%2Fs3%2Faws4_request"
        f"&amp;X-Amz-Date={stamp}&amp;X-Amz-Expires=600&amp;X-Amz-Signature={port:064x}"
    )
    return (
        f'<input id="csrf_token" name="csrf_token" type="hidden" value="{csrf}">'
        f"<h1>{name}</h1><dl><dt>Issued on</dt><dd>05 May 2026</dd>"
        f"<dt>Code</dt><dd><code>{code}</code></dd></dl>"
        f'<a class="button" href="{link}">Download PDF</a>'
        "<p>Event checker: last run less than a minute ago\n (05 May 2026, 23:59 UTC)</p>"
    ).encode()


def make_run(
    model: str = "gunicorn",
    *,
    code: str = "LAU-AAAA-BBBB-CCCC-DDDD",
    name: str = "José Martínez",
    base_url: str = BASE,
    csrf: str = "token-one",
    port: int = 5001,
    bucket: str = "laurel-parity-one",
    run_id: int = 7,
    duration: float = 1.25,
    issued_at: datetime = T0 + timedelta(seconds=20),
    salt: str = "saltone",
    budget: float = 240.0,
    preview: bytes = b"\x89PNG same pixels",
    status: int = 200,
    issued: int = 1,
) -> RunRecord:
    stamp = (T0 + timedelta(seconds=5)).strftime("%Y%m%dT%H%M%SZ")
    cron = {
        "run_id": run_id,
        "duration": duration,
        "issued": issued,
        "remaining": 0,
        "outcome": "done",
    }
    exchanges = [
        Exchange(
            "GET /auth/login",
            200,
            {"Set-Cookie": [f"session={csrf}x; Secure; HttpOnly; Path=/; SameSite=Lax"]},
            f'<input name="csrf_token" type="hidden" value="{csrf}">'
            f'<input name="signature-2-csrf_token" type="hidden" value="{csrf}">'.encode(),
        ),
        Exchange("GET /events/1/design/preview.png", 200, {}, preview, "bytes"),
        Exchange("GET /api/cron/check-events", 200, {}, json.dumps(cron).encode(), "json"),
        Exchange(
            f"GET /verify/{code}",
            status,
            {"Content-Type": ["text/html; charset=utf-8"]},
            verify_page(code, name, csrf, port, bucket, stamp),
        ),
        Exchange(
            "GET /events/1/certificates/all.zip -> storage",
            200,
            kind="zip",
            facts={"members": [f"certificate-{code}.png", f"certificate-{code}.pdf"]},
        ),
    ]
    rows = {
        "organizers": [
            {
                "id": 1,
                "email": "org@example.org",
                "password_hash": f"scrypt:32768:8:1${salt}$hash{salt}",
                "created_at": T0 + timedelta(seconds=1),
            }
        ],
        "participants": [{"id": 1, "event_id": 1, "name": name, "email": "attendee01@example.org"}],
        "certificates": [
            {
                "id": 1,
                "participant_id": 1,
                "code": code,
                "holder_name": name,
                "verify_url": f"{base_url}/verify/{code}",
                "png_key": f"certificates/{code}.png",
                "png_sha256": code.encode().hex()[:64],
                "issued_at": issued_at,
                "revoked_at": None,
            }
        ],
        "checker_runs": [
            {
                "id": 1,
                "budget_seconds": budget,
                "issued": issued,
                "started_at": T0 + timedelta(seconds=10),
            }
        ],
    }
    export_stamp = (T0 + timedelta(seconds=30)).strftime("%Y%m%dT%H%M%S")
    objects = {
        f"certificates/certificates/{code}.png": "image/png",
        # The export's content id hashes the (random) codes, so it differs by run.
        f"certificates/exports/event-1/{export_stamp}-{code.encode().hex()[:24]}.zip": (
            "application/zip"
        ),
    }
    return RunRecord(
        model=model,
        exchanges=exchanges,
        rows=rows,
        objects=objects,
        bucket=bucket,
        started=T0,
        finished=T0 + timedelta(seconds=40),
    )


def other_run(**changes: object) -> RunRecord:
    """The other model's run: all the noise differs, and whatever `changes` say."""
    noise = {
        "model": "vercel",
        "code": "LAU-ZZZZ-YYYY-XXXX-WWWW",
        "csrf": "token-two",
        "port": 6002,
        "bucket": "laurel-parity-two",
        "run_id": 3,
        "duration": 0.5,
        "issued_at": T0 + timedelta(seconds=35),
        "salt": "salttwo",
        "budget": 50.0,
    }
    return make_run(**{**noise, **changes})  # type: ignore[arg-type]


def test_runs_that_differ_only_in_noise_agree() -> None:
    assert compare_runs(make_run(), other_run()) == []


def test_a_different_base_url_is_reported() -> None:
    problems = compare_runs(make_run(), other_run(base_url="https://laurel.vercel.app"))
    assert len(problems) == 1, report(problems)
    assert "certificates row 1" in problems[0] and "verify_url" in problems[0]
    assert "laurel.vercel.app/verify/<code of attendee01@example.org>" in problems[0]


def test_a_differently_encoded_name_is_reported_in_pages_and_rows() -> None:
    decomposed = "Jose\u0301 Marti\u0301nez"  # NFD: looks the same, is not
    problems = compare_runs(make_run(), other_run(name=decomposed))
    assert any(p.startswith("GET /verify/<code of") and "body differs" in p for p in problems)
    assert any("participants row 1" in p and "name" in p for p in problems)
    assert any("certificates row 1" in p and "holder_name" in p for p in problems)


def test_a_different_status_is_reported() -> None:
    problems = compare_exchanges(make_run(), other_run(status=500))
    assert len(problems) == 1 and "status differs" in problems[0], report(problems)


def test_preview_bytes_must_be_identical() -> None:
    problems = compare_exchanges(make_run(), other_run(preview=b"\x89PNG same pixelz"))
    assert len(problems) == 1, report(problems)
    assert "preview.png: body differs" in problems[0]


def test_cron_results_are_compared_without_run_id_and_duration() -> None:
    problems = compare_runs(make_run(), other_run(issued=0))
    assert any("check-events: body differs" in p and '"issued": 0' in p for p in problems)
    assert any("checker_runs row 1" in p and "issued" in p for p in problems)


def test_a_time_far_from_the_run_is_not_normalised_away() -> None:
    # A naive local time stored as UTC on one model would land hours away.
    problems = compare_rows(make_run(), other_run(issued_at=T0 + timedelta(hours=5, seconds=20)))
    assert len(problems) == 1, report(problems)
    assert "issued_at" in problems[0] and "2026-05-06T04:59:50+00:00" in problems[0]


def test_stored_objects_are_compared_by_key_and_type() -> None:
    a, b = make_run(), other_run()
    code = b.rows["certificates"][0]["code"]
    b.objects["certificates/templates/event-1/extra.png"] = "image/png"
    b.objects[f"certificates/certificates/{code}.png"] = "binary/octet-stream"
    problems = compare_objects(a, b)
    assert problems == [
        "object certificates/templates/event-1/extra.png stored only under vercel",
        "object certificates/certificates/<code of attendee01@example.org>.png: Content-Type "
        "'image/png' under gunicorn, 'binary/octet-stream' under vercel",
    ]


def test_columns_without_a_rule_are_compared_verbatim() -> None:
    a, b = make_run(), other_run()
    a.rows["certificates"][0]["new_column"] = "A"
    b.rows["certificates"][0]["new_column"] = "B"
    b.rows["new_table"] = [{"id": 1}]
    problems = compare_rows(a, b)
    assert any("new_column" in p for p in problems), report(problems)
    assert any(p.startswith("tables differ") for p in problems), report(problems)


def test_missing_or_extra_requests_are_reported() -> None:
    a, b = make_run(), other_run()
    b.exchanges.insert(1, Exchange("GET /events/", 200, {}, b"", "html"))
    problems = compare_exchanges(a, b)
    assert problems[0].startswith("the two runs made different requests"), report(problems)


def test_zip_members_compare_as_a_set() -> None:
    a, b = make_run(), other_run()
    zipped = b.exchanges[-1]
    b.exchanges[-1] = replace(zipped, facts={"members": zipped.facts["members"][::-1]})
    assert compare_exchanges(a, b) == []
    b.exchanges[-1] = replace(zipped, facts={"members": zipped.facts["members"][:1]})
    assert "facts differs" in compare_exchanges(a, b)[0]


def _with_credential(run: RunRecord, index: int, holder: str, lost: int = 0) -> RunRecord:
    """A run whose certificate carries a (fake-signed) credential at status `index`,
    after `lost` attempts that lost their claim took slots."""
    import base64
    import json

    row = run.rows["certificates"][0]
    code = row["code"]
    status = f"{BASE}/credentials/status/0"
    claims = {
        "id": f"{BASE}/credentials/{code}",
        "validFrom": row["issued_at"].strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {"identifier": [{"identityHash": holder}]},
        "credentialStatus": {"id": f"{status}#{index}", "statusListIndex": str(index)},
    }
    claims["credentialStatus"]["statusListCredential"] = status
    parts = [{"alg": "RS256"}, claims]
    encoded = [base64.urlsafe_b64encode(json.dumps(p).encode()).decode() for p in parts]
    row["credential_jws"] = ".".join([*encoded, f"sig-{code}"])
    slots = [{"id": i + 1, "code": f"LAU-LOST-{i:04d}-XXXX-XXXX"} for i in range(lost)]
    run.rows["credential_status_slots"] = [*slots, {"id": index, "code": code}]
    return run


def test_credentials_compare_without_signature_status_index_or_lost_slots() -> None:
    same = _with_credential(make_run(), 1, "José"), _with_credential(other_run(), 4, "José", 3)
    assert compare_runs(*same) == []
    other = _with_credential(make_run(), 1, "José"), _with_credential(other_run(), 1, "Jose")
    problems = compare_runs(*other)
    assert len(problems) == 1 and "credential_jws" in problems[0], problems


def _with_mail(
    run: RunRecord,
    key: str,
    *,
    pdf: bytes | None = None,
    message_id: str | None = None,
    reply_to: str = "org@example.org",
    date: str | None = None,
) -> RunRecord:
    """A run whose certificate was mailed: its outbox row (with `key`) and the raw
    message its SMTP server received, built as app/mail/building.py builds it."""
    import hashlib
    from email.message import EmailMessage
    from email.utils import format_datetime

    row = run.rows["certificates"][0]
    code = row["code"]
    stored = f"%PDF-1.7 certificate {code}".encode()
    row["pdf_sha256"] = hashlib.sha256(stored).hexdigest()
    run.rows["outbox_messages"] = [
        {
            "id": 1,
            "certificate_id": 1,
            "to_address": "attendee01@example.org",
            "state": "sent",
            "idempotency_key": key,
            "claim_token": key[::-1],
            "sent_at": T0 + timedelta(seconds=21),
        }
    ]
    message = EmailMessage()
    message["From"] = "Org <certificates@laurel.example.org>"
    message["To"] = "attendee01@example.org"
    message["Subject"] = "Your certificate for Σύνοδος"
    message["Reply-To"] = reply_to
    message["Message-ID"] = message_id or f"<{key}@laurel.example.org>"
    message["Date"] = date or format_datetime(run.started + timedelta(seconds=21), usegmt=True)
    message.set_content(f"Verify it at {BASE}/verify/{code}\n")
    message.add_alternative(f'<a href="{BASE}/verify/{code}">verify</a>', subtype="html")
    message.add_attachment(
        stored if pdf is None else pdf,
        maintype="application",
        subtype="pdf",
        filename=f"certificate-{code}.pdf",
    )
    run.mails = [message.as_bytes()]
    return run


def test_mail_compares_without_message_id_boundary_or_code() -> None:
    a = _with_mail(make_run(), "a1" * 16)
    b = _with_mail(other_run(), "b2" * 16)
    assert a.mails[0] != b.mails[0]  # codes, keys and MIME boundaries all differ
    assert compare_runs(a, b) == []


def test_a_different_mail_header_or_attachment_is_reported() -> None:
    a = _with_mail(make_run(), "a1" * 16)
    problems = compare_mails(a, _with_mail(other_run(), "b2" * 16, reply_to="x@example.org"))
    assert len(problems) == 1 and "Reply-To" in problems[0], report(problems)
    problems = compare_mails(a, _with_mail(other_run(), "b2" * 16, pdf=b"%PDF-1.7 other"))
    assert len(problems) == 1 and "<14 bytes, sha256" in problems[0], report(problems)


def test_a_message_id_not_made_of_its_rows_key_is_reported() -> None:
    a = _with_mail(make_run(), "a1" * 16)
    b = _with_mail(other_run(), "b2" * 16, message_id="<c3c3@laurel.example.org>")
    problems = compare_mails(a, b)
    assert len(problems) == 1 and "<c3c3@laurel.example.org>" in problems[0], report(problems)


def test_a_mail_date_that_is_not_rfc_5322_gmt_is_reported() -> None:
    a = _with_mail(make_run(), "a1" * 16)
    for date in ("yesterday", "Tue, 05 May 2026 23:59:51 +0200"):
        problems = compare_mails(a, _with_mail(other_run(), "b2" * 16, date=date))
        assert len(problems) == 1 and '"Date"' in problems[0], report(problems)


def test_a_missing_or_repeated_mail_is_reported() -> None:
    a = _with_mail(make_run(), "a1" * 16)
    b = _with_mail(other_run(), "b2" * 16)
    b.mails = b.mails * 2
    assert "different recipients (or some twice)" in compare_mails(a, b)[0]
    b.mails = []
    assert "different recipients (or some twice)" in compare_mails(a, b)[0]
