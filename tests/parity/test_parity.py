"""Behaviour is identical on both execution models (BLUEPRINT.md, invariants).

One scenario runs twice: (a) under gunicorn started exactly as the Dockerfile
starts it, (b) under Vercel's own Python launcher serving api/index.py from a
read-only copy of the repository. Each run gets a fresh PostgreSQL database
(migrated, organizer created with `flask users create`) and a fresh bucket on
the same moto S3 server, and the same settings otherwise. An organizer signs
in, creates an event that has just ended, imports 25 attendees, the cron route
issues their certificates, the public opens every verification page and
downloads both files, the organizer downloads each file and the ZIP. The
event emails its certificates (turned on before issuing): each run has its
own SMTP server on loopback (aiosmtpd, STARTTLS required), and the messages
each received are compared too.

Then the runs are compared (see compare.py for what is normalised and why):
every response, every row of every table, the stored object keys. Rendering
is checked twice over: the design preview (the same data, drawn inside each
server process) must come back byte for byte the same, and certificates of
both runs, rendered again from their rows with render_files() in each model's
interpreter, must give exactly the files each server stored.

Outside CI a missing tool (PostgreSQL, the Vercel runtime, read-only mounts)
skips; with CI=true it fails.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.certificates.queries import file_name
from app.collation import sort_key
from tests.mail.servers import SmtpServer
from tests.parity import harness, scenario
from tests.parity.compare import (
    RunRecord,
    compare_exchanges,
    compare_mails,
    compare_objects,
    compare_rows,
    report,
)
from tests.parity.harness import Run
from tests.vercel import support

pytestmark = pytest.mark.slow

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
# Re-rendered in both models, from both runs: one name per script, and the longest.
PROBED = ("attendee01@example.org", "attendee03@example.org", "attendee10@example.org")
KEY = re.compile(r"certificates/(LAU(?:-[0-9A-Z]{4}){4})\.(png|pdf)")


@dataclass
class Parity:
    gunicorn: Run
    vercel: Run
    project: Path  # the copy of the repository the Vercel side runs, read-only

    @property
    def records(self) -> tuple[RunRecord, RunRecord]:
        return self.gunicorn.record, self.vercel.record


@pytest.fixture(scope="module")
def parity(s3_endpoint, s3_admin, tmp_path_factory) -> Iterator[Parity]:
    if not PG_URL:
        support.unavailable("TEST_DATABASE_URL is not set: the parity test needs PostgreSQL")
    support.vc_python()
    project = support.copy_repository(tmp_path_factory.mktemp("parity-vercel") / "project")
    logs = tmp_path_factory.mktemp("parity-gunicorn")
    # One clock for both runs: the same form input, so the same event rows and
    # the same printed dates, even if the runs straddle a minute or midnight.
    times = scenario.EventTimes.just_ended()
    with ExitStack() as stack:
        # One SMTP server per run, so that each run's messages are its own.
        mail = {
            model: stack.enter_context(SmtpServer(tmp_path_factory.mktemp(f"smtp-{model}")))
            for model in ("gunicorn", "vercel")
        }
        gunicorn = harness.run_model(
            harness.GUNICORN,
            stack,
            PG_URL,
            s3_endpoint,
            s3_admin,
            lambda env: harness.run_under_gunicorn(env, times, logs, email=True),
            mail=mail["gunicorn"],
        )
        vercel = harness.run_vercel(
            stack, PG_URL, s3_endpoint, s3_admin, project, times, mail=mail["vercel"]
        )
        print(
            f"\nparity runs: gunicorn {gunicorn.seconds:.1f} s, Vercel {vercel.seconds:.1f} s, "
            f"{len(gunicorn.record.exchanges)} exchanges each; cron calls (s, issued, mailed): "
            f"gunicorn {_cron_calls(gunicorn)}, Vercel {_cron_calls(vercel)}"
        )
        yield Parity(gunicorn, vercel, project)


def _cron_calls(run: Run) -> list[tuple[float, int, int]]:
    """What each authorised cron call did: how long it took, what it issued and mailed."""
    calls = []
    for exchange in run.record.exchanges:
        if exchange.label == "GET /api/cron/check-events" and exchange.status == 200:
            data = json.loads(exchange.body)
            calls.append((data["duration"], data["issued"], data["mailed"]))
    return calls


# --- the two runs agree ----------------------------------------------------------


def test_the_responses_match(parity: Parity) -> None:
    problems = compare_exchanges(*parity.records)
    assert not problems, report(problems)


def test_the_rows_match(parity: Parity) -> None:
    problems = compare_rows(*parity.records)
    assert not problems, report(problems)


def test_the_stored_objects_match(parity: Parity) -> None:
    problems = compare_objects(*parity.records)
    assert not problems, report(problems)


def test_the_same_messages_were_sent(parity: Parity) -> None:
    problems = compare_mails(*parity.records)
    assert not problems, report(problems)


# --- each run is whole (what the normalisation set aside is checked here) --------


@pytest.mark.parametrize("model", ["gunicorn", "vercel"])
def test_each_run_issued_every_certificate_and_served_its_files(parity: Parity, model: str) -> None:
    run: Run = getattr(parity, model)
    rows = run.record.rows
    certificates = rows["certificates"]
    assert len(certificates) == len(scenario.NAMES)
    assert len({c["code"] for c in certificates}) == len(certificates)
    names = {p["id"]: p["name"] for p in rows["participants"]}
    assert sorted(names.values()) == sorted(scenario.NAMES)
    assert run.record.rows["issue_failures"] == []
    stored = set(run.record.objects)
    for certificate in certificates:
        code = certificate["code"]
        assert certificate["holder_name"] == names[certificate["participant_id"]]
        assert certificate["verify_url"] == f"{scenario.BASE_URL}/verify/{code}"
        assert certificate["issuer"] == scenario.ORGANIZER_EMAIL
        assert certificate["event_title"] == scenario.EVENT_TITLE
        assert certificate["revoked_at"] is None
        for kind in ("png", "pdf"):
            key = certificate[f"{kind}_key"]
            match = KEY.fullmatch(key)
            assert match, key
            assert (match[1], match[2]) == (code, kind)
            assert f"{harness.STORAGE_PREFIX}/{key}" in stored
            # Both downloads (verification page, organizer) gave the stored file.
            digest = certificate[f"{kind}_sha256"]
            assert run.recorder.files[code][kind] == {digest}, (code, kind)
            name = file_name(certificate["holder_name"], code, kind)  # the holder, then the code
            assert run.recorder.zip_members[name] == digest
    assert len(run.recorder.zip_members) == 2 * len(certificates)
    _check_mail(run)
    # The archive lists the certificates by holder as people sort names, PNG then PDF.
    ordered = sorted(certificates, key=lambda c: (sort_key(c["holder_name"]), c["code"]))
    assert run.recorder.zip_order == [
        file_name(c["holder_name"], c["code"], kind) for c in ordered for kind in ("png", "pdf")
    ]


def _check_mail(run: Run) -> None:
    """One message per certificate, received once, sent on its first attempt, with
    the stored PDF attached and the Message-ID made of its row's idempotency key."""
    from email import message_from_bytes, policy

    rows = run.record.rows
    outbox = {m["to_address"]: m for m in rows["outbox_messages"]}
    emails = {p["id"]: p["email"] for p in rows["participants"]}
    mails = [message_from_bytes(raw, policy=policy.default) for raw in run.record.mails]
    received = {str(mail["To"]): mail for mail in mails}
    assert len(mails) == len(received) == len(rows["certificates"])  # none twice
    assert len(outbox) == len(rows["outbox_messages"]) == len(mails)
    domain = scenario.EMAIL_FROM.split("@")[1]
    for certificate in rows["certificates"]:
        address = emails[certificate["participant_id"]]
        mail, row = received[address], outbox[address]
        assert (row["state"], row["attempts"], row["last_error"]) == ("sent", 1, None)
        assert row["certificate_id"] == certificate["id"]
        assert mail["Message-ID"] == f"<{row['idempotency_key']}@{domain}>"
        assert mail["From"].addresses[0].addr_spec == scenario.EMAIL_FROM
        assert mail["Reply-To"] == scenario.ORGANIZER_EMAIL
        (attachment,) = list(mail.iter_attachments())
        name = file_name(certificate["holder_name"], certificate["code"], "pdf")
        assert attachment.get_filename() == name
        assert hashlib.sha256(attachment.get_content()).hexdigest() == certificate["pdf_sha256"]
        for body in (mail.get_body(("plain",)), mail.get_body(("html",))):
            assert certificate["verify_url"] in body.get_content()


# --- the same certificate data renders to the same bytes on both models -----------


def test_certificates_render_byte_identical_on_both_models(parity: Parity) -> None:
    """Rows of each run, rendered again with the app's render_files() in each
    model's interpreter, give the digests the serving process stored: what
    gunicorn's worker drew, the Vercel-side Python draws too, and the other
    way round."""
    jobs = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for run_name in ("gunicorn", "vercel"):
            run: Run = getattr(parity, run_name)
            emails = {p["id"]: p["email"] for p in run.record.rows["participants"]}
            rows = [
                c for c in run.record.rows["certificates"] if emails[c["participant_id"]] in PROBED
            ]
            assert len(rows) == len(PROBED)
            codes = [c["code"] for c in rows]
            jobs[run_name, "gunicorn"] = (
                rows,
                pool.submit(harness.render_under_gunicorn_model, run.env, codes),
            )
            jobs[run_name, "vercel"] = (
                rows,
                pool.submit(harness.render_under_vercel_model, parity.project, run.env, codes),
            )
        problems = []
        for (run_name, model), (rows, future) in jobs.items():
            digests = future.result()
            for row in rows:
                stored = harness.stored_digests(row)
                if digests[row["code"]] != stored:
                    problems.append(
                        f"{row['holder_name']} ({row['code']}), issued under {run_name}, "
                        f"rendered again under {model}: {digests[row['code']]} != stored {stored}"
                    )
    assert not problems, "\n".join(problems)
