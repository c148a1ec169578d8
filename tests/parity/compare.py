"""What one run of the parity scenario recorded, and how two runs are compared.

Pure data and functions (no servers, no database): `test_compare.py`
exercises them on made-up runs, so the path that reports a difference is
tested on every run of the suite, not only when the two models drift apart.

Only what must differ between two correct runs is normalised away, and each
value is replaced only where it is expected:

- certificate codes (random) become `<code of EMAIL>`, after the participant
  the row belongs to, wherever they appear (pages, headers, rows, ZIP names);
- CSRF tokens, session cookie values, presigned query strings, the moto
  server's port and the run's bucket name;
- wall-clock times, but only those that fall inside the run's own time window
  (a time hours off, as a time zone slip would give, is left as it is and
  shows up as a difference);
- run ids and durations in the cron route's JSON, and the digests of files
  that embed the code (those are checked against the files and a re-render
  instead, see test_parity.py);
- the signature of each Open Badges credential (it covers the code): its header
  and claims are compared, codes, run times and the status list index
  normalised, and it is signed again under each model instead (see
  test_parity.py); status list slots of attempts that lost their claim (they
  depend on timing) are left out, and slot ids are not compared;
- `checker_runs.budget_seconds`, a deliberate per-model default
  (CHECKER_BUDGET_SECONDS: 50 s on Vercel, 240 s in a container);
- the outbox's random idempotency key and claim token, and in received mail
  the Message-ID made of that key (checked against the message's row first:
  one that is not its row's key is left as it is and shows up) and the MIME
  boundaries (random per message); an attached PDF is compared as "the stored
  PDF of <code>" when its bytes have that certificate's digest, else by its
  own digest (and then differs).

Everything else, every column of every table included, is compared as is:
a new table or column is compared strictly until someone says otherwise here.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

# How far outside [started, finished] a timestamp of the run may fall (the
# database and this process share one clock; this is rounding, not drift).
WINDOW_SLACK = timedelta(seconds=2)

# Response headers the app decides; the server adds others (Date, Server,
# Connection, Content-Length, Transfer-Encoding) that are not behaviour.
COMPARED_HEADERS = (
    "Content-Type",
    "Location",
    "Set-Cookie",
    "Content-Disposition",
    "Cache-Control",
    "WWW-Authenticate",
    "Vary",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Content-Security-Policy",
)

CRON_VOLATILE = ("run_id", "duration")
# A prefixed form's token is named "<prefix>-csrf_token" (the branding page's signers).
CSRF_INPUT = re.compile(r'<input[^>]*\bname="(?:[\w-]+-)?csrf_token"[^>]*>')
VALUE_ATTRIBUTE = re.compile(r'\bvalue="[^"]*"')
LOOPBACK_URL = re.compile(r"https?://127\.0\.0\.1:\d+")
# exports/event-N/<stamp>-<content id>.zip: the id hashes the (random) codes.
EXPORT_STAMP = re.compile(r"\b(\d{8}T\d{6})-[0-9a-f]{24}(?=\.zip)")
LAST_RUN = re.compile(r"last run (.+?) ago\s*\((\d{2} \w{3} \d{4}, \d{2}:\d{2}) UTC\)")
ISSUED_ON = re.compile(r"(<dt>Issued on</dt>\s*<dd>)([^<]*)(</dd>)")
# A presigned URL's signature and signing time; its other parameters (expiry,
# the download's file name) are the app's choices and are compared.
SIGNATURE_PARTS = (
    (re.compile(r"\bX-Amz-Signature=[0-9a-f]+"), "X-Amz-Signature=<signature>"),
    (re.compile(r"\bX-Amz-Date=\d{8}T\d{6}Z"), "X-Amz-Date=<date>"),
    (re.compile(r"\b(X-Amz-Credential=[^&\s\"]*?)%2F\d{8}%2F"), r"\1%2F<date>%2F"),
)

# Received mail: boundaries are random per message.
MIME_BOUNDARY = re.compile(r'(boundary=)("?)[^";\s]+\2')
MESSAGE_ID = re.compile(r"<([0-9a-f]+)@([^>]+)>")

TIME = "<time during the run>"
DIGEST = "<sha256 of a file that embeds the code>"
STATUS_INDEX = "<status list index>"


@dataclass
class Exchange:
    """One request of the scenario and what came back.

    `kind` says how the body is compared: "html", "json" and "text" are
    normalised and compared; "bytes" is compared exactly (the same data must
    give the same bytes); "file" and "zip" were fetched from storage and are
    compared through `facts` (status, type, names), their digests being
    checked against the rows by the test itself."""

    label: str
    status: int
    headers: dict[str, list[str]] = field(default_factory=dict)
    body: bytes = b""
    kind: str = "html"
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunRecord:
    """Everything one execution model produced for the scenario."""

    model: str
    exchanges: list[Exchange]
    rows: dict[str, list[dict[str, Any]]]
    objects: dict[str, str]  # storage key -> content type
    bucket: str
    started: datetime
    finished: datetime
    mails: list[bytes] = field(default_factory=list)  # as the run's SMTP server received them

    def codes(self) -> dict[str, str]:
        """Certificate code -> `<code of EMAIL>`, from the rows."""
        emails = {row["id"]: row["email"] for row in self.rows.get("participants", [])}
        placeholders = {}
        for row in self.rows.get("certificates", []):
            owner = emails.get(row["participant_id"], f"participant {row['participant_id']}")
            placeholders[row["code"]] = f"<code of {owner}>"
        return placeholders


# --- normalising -----------------------------------------------------------------


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Normaliser:
    """Turns one run's values into the form that is compared with the other run's."""

    def __init__(self, record: RunRecord) -> None:
        self.record = record
        self.codes = record.codes()
        self.earliest = _utc(record.started) - WINDOW_SLACK
        self.latest = _utc(record.finished) + WINDOW_SLACK

    # times ---------------------------------------------------------------

    def during_run(self, moment: datetime) -> bool:
        return self.earliest <= _utc(moment) <= self.latest

    def time(self, value: object) -> object:
        if isinstance(value, datetime):
            return TIME if self.during_run(value) else _utc(value).isoformat()
        return value

    def _text_time(self, text: str, fmt: str, precision: timedelta) -> str:
        """`text` (a time printed with `fmt`, UTC) as TIME if it is inside the run."""
        try:
            moment = datetime.strptime(text.strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            return text
        if self.earliest - precision <= moment <= self.latest:
            return TIME
        return text

    # text ----------------------------------------------------------------

    def text(self, text: str) -> str:
        # Longest first, so that no code is a prefix of another's replacement.
        for code in sorted(self.codes, key=len, reverse=True):
            text = text.replace(code, self.codes[code]).replace(code.lower(), self.codes[code])
        text = CSRF_INPUT.sub(lambda m: VALUE_ATTRIBUTE.sub('value="<csrf>"', m.group(0)), text)
        text = LOOPBACK_URL.sub("<s3>", text)
        if self.record.bucket:
            text = text.replace(self.record.bucket, "<bucket>")
        for pattern, replacement in SIGNATURE_PARTS:
            text = pattern.sub(replacement, text)
        text = EXPORT_STAMP.sub(
            lambda m: (
                self._text_time(m.group(1), "%Y%m%dT%H%M%S", timedelta(seconds=1)) + "-<content id>"
            ),
            text,
        )
        text = LAST_RUN.sub(
            lambda m: (
                "last run <age> ago ("
                + self._text_time(m.group(2), "%d %b %Y, %H:%M", timedelta(minutes=1))
                + " UTC)"
            ),
            text,
        )
        return ISSUED_ON.sub(
            lambda m: (
                m.group(1) + self._text_time(m.group(2), "%d %B %Y", timedelta(days=1)) + m.group(3)
            ),
            text,
        )

    def headers(self, headers: Mapping[str, list[str]]) -> dict[str, list[str]]:
        result = {}
        for name, values in headers.items():
            if name.lower() == "set-cookie":
                values = [_cookie_shape(value) for value in values]
            result[name] = [self.text(value) for value in values]
        return result

    def body(self, exchange: Exchange) -> object:
        if exchange.kind == "json":
            try:
                data = json.loads(exchange.body)
            except ValueError:
                return self.text(exchange.body.decode("utf-8", "replace"))
            if isinstance(data, dict):
                data = {k: v for k, v in data.items() if k not in CRON_VOLATILE}
            return json.loads(self.text(json.dumps(data, sort_keys=True, ensure_ascii=False)))
        if exchange.kind in ("html", "text"):
            return self.text(exchange.body.decode("utf-8", "replace"))
        if exchange.kind == "bytes":
            return exchange.body
        return None

    def facts(self, facts: Mapping[str, Any]) -> object:
        result = json.loads(self.text(json.dumps(facts, sort_keys=True, ensure_ascii=False)))
        if "members" in result:
            # A ZIP lists its certificates by code, and codes are random per
            # run: compare which members there are, not their order.
            result["members"] = sorted(result["members"])
        return result

    def exchange(self, exchange: Exchange) -> dict[str, object]:
        return {
            "label": self.text(exchange.label),
            "status": exchange.status,
            "headers": self.headers(exchange.headers),
            "kind": exchange.kind,
            "body": self.body(exchange),
            "facts": self.facts(exchange.facts),
        }

    # rows ----------------------------------------------------------------

    def row(self, table: str, row: Mapping[str, Any]) -> dict[str, Any]:
        rule = ROW_RULES.get(table, {})
        result = {}
        for column, value in row.items():
            how = rule.get(column)
            if value is None:
                result[column] = None
            elif how == "time":
                result[column] = self.time(value)
            elif how == "text":
                result[column] = self.text(str(value))
            elif how == "digest":
                result[column] = DIGEST
            elif how == "credential":
                result[column] = self.credential(str(value))
            elif how == "status index":
                result[column] = STATUS_INDEX
            elif how == "password":
                # The method and its parameters; the salt and hash are random.
                result[column] = str(value).split("$", 1)[0] + "$<salt>$<hash>"
            elif how == "lease":
                # A lease runs past the run's end by however long its batch took.
                result[column] = "<lease>"
            elif how == "random":
                # Made by secrets.token_hex; the idempotency key is checked against
                # the Message-ID of the mail it was sent with (Normaliser.message_id).
                result[column] = "<random>"
            elif how == "model setting":
                result[column] = "<set by the execution model>"
            elif isinstance(value, datetime):
                result[column] = _utc(value).isoformat()
            else:
                result[column] = value
        return result

    def credential(self, token: str) -> object:
        """A VC-JWT as its header and claims, codes and run times normalised; the
        signature covers the code, so it is checked by signing again instead."""
        try:
            header, claims = (
                json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
                for part in token.split(".")[:2]
            )
        except ValueError:
            return self.text(token)
        for name in ("validFrom", "validUntil"):
            if name in claims:
                moment = datetime.fromisoformat(claims[name].replace("Z", "+00:00"))
                claims[name] = self.time(moment)
        for name in ("nbf", "exp"):
            if name in claims:
                claims[name] = self.time(datetime.fromtimestamp(claims[name], UTC))
        status = claims.get("credentialStatus")
        if isinstance(status, dict):
            # Each claim takes a slot, so a lost attempt (timing) shifts later indexes.
            claims["credentialStatus"] = {
                **status,
                "id": status.get("statusListCredential", "") + "#" + STATUS_INDEX,
                "statusListIndex": STATUS_INDEX,
            }
        document = {"header": header, "claims": claims, "signature": "<RS256 signature>"}
        return json.loads(self.text(json.dumps(document, sort_keys=True, ensure_ascii=False)))

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        return {
            table: [self.row(table, row) for row in rows if self.kept(table, row)]
            for table, rows in sorted(self.record.rows.items())
            if table not in CLOCK_TABLES
        }

    def kept(self, table: str, row: Mapping[str, Any]) -> bool:
        """Status list slots of attempts that lost their claim (a matter of timing)
        are left out; those of certificates are compared."""
        return table != "credential_status_slots" or row["code"] in self.codes

    def objects(self) -> dict[str, str]:
        return {self.text(key): value for key, value in sorted(self.record.objects.items())}

    # mail ----------------------------------------------------------------

    def mail(self, raw: bytes) -> dict[str, object]:
        """A received message as its parts: each part's headers in order, its text
        normalised like a page, its bytes by what they are."""
        from email import message_from_bytes, policy

        message = message_from_bytes(raw, policy=policy.default)
        parts = []
        for part in message.walk():
            headers = [(name, self.mail_header(name, str(value))) for name, value in part.items()]
            if part.is_multipart():
                content: object = None
            elif part.get_content_maintype() == "text":
                content = self.text(part.get_content())
            else:
                content = self.attachment(part.get_content())
            parts.append({"headers": headers, "content": content})
        return {"to": str(message["To"]), "parts": parts}

    def mail_header(self, name: str, value: str) -> str:
        if name.lower() == "message-id":
            return self.message_id(value)
        if name.lower() == "date":
            return self.mail_date(value)
        if name.lower() == "content-type":
            value = MIME_BOUNDARY.sub(r"\1\2<boundary>\2", value)
        return self.text(value)

    @staticmethod
    def mail_date(value: str) -> str:
        """When it was sent differs between runs; that it is a valid RFC 5322 date in
        GMT does not."""
        from email.utils import parsedate_to_datetime

        try:
            sent = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return value
        return "<a date, GMT>" if sent.utcoffset() is not None and not sent.utcoffset() else value

    def message_id(self, value: str) -> str:
        """`<key@domain>` with its outbox row's idempotency key becomes a placeholder
        naming the row's recipient; any other value is kept (and differs)."""
        match = MESSAGE_ID.fullmatch(value.strip())
        rows = {row["idempotency_key"]: row for row in self.record.rows.get("outbox_messages", [])}
        if match and match[1] in rows:
            return f"<idempotency key of the message to {rows[match[1]]['to_address']}@{match[2]}>"
        return value

    def attachment(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        for row in self.record.rows.get("certificates", []):
            if row.get("pdf_sha256") == digest:
                return f"<the stored PDF of {self.codes[row['code']]}>"
        return f"<{len(data)} bytes, sha256 {digest}>"

    def mails(self) -> list[dict[str, object]]:
        return sorted((self.mail(raw) for raw in self.record.mails), key=lambda m: str(m["to"]))


def _cookie_shape(header: str) -> str:
    """A Set-Cookie header with its value and expiry hidden, attributes kept."""
    name, _, rest = header.partition("=")
    _, _, attributes = rest.partition(";")
    attributes = re.sub(r"(?i)\bexpires=[^;]*", "Expires=<date>", attributes)
    return f"{name}=<value>;{attributes}" if attributes else f"{name}=<value>"


# Per table, the columns that are not compared verbatim, and how they are seen.
ROW_RULES: dict[str, dict[str, str]] = {
    "organizers": {"password_hash": "password", "created_at": "time"},
    "events": {"created_at": "time", "updated_at": "time", "archived_at": "time"},
    "participants": {"created_at": "time"},
    "certificates": {
        "code": "text",
        "verify_url": "text",
        "png_key": "text",
        "pdf_key": "text",
        "replaced_by_code": "text",
        "reissue_requested_at": "time",
        "png_sha256": "digest",
        "pdf_sha256": "digest",
        "issued_at": "time",
        "revoked_at": "time",
        "credential_jws": "credential",
    },
    "credential_status_slots": {"id": "status index", "code": "text"},
    "checker_runs": {
        "started_at": "time",
        "finished_at": "time",
        "expires_at": "lease",
        "budget_seconds": "model setting",
    },
    "issue_failures": {
        "first_failed_at": "time",
        "last_failed_at": "time",
        "next_attempt_at": "time",
    },
    "outbox_messages": {
        "idempotency_key": "random",
        "claim_token": "random",
        "next_attempt_at": "time",
        "lease_until": "lease",
        "sent_at": "time",
        "created_at": "time",
    },
}

# Rate-limit counters are kept per window of the wall clock and swept when a window
# runs out, so how many rows a run leaves depends on where its requests fell in time,
# not on the execution model; what the throttle answers is compared in the exchanges.
CLOCK_TABLES = frozenset({"throttle_windows"})


# --- comparing -------------------------------------------------------------------


def _show(value: object) -> str:
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False, default=str)


def _diff(a: object, b: object, names: tuple[str, str], limit: int = 40) -> str:
    lines = list(
        difflib.unified_diff(_show(a).splitlines(), _show(b).splitlines(), *names, lineterm="", n=1)
    )
    if len(lines) > limit:
        lines = [*lines[:limit], f"... {len(lines) - limit} more lines"]
    return "\n".join(lines)


def compare_exchanges(a: RunRecord, b: RunRecord) -> list[str]:
    na, nb = Normaliser(a), Normaliser(b)
    problems = []
    left = [na.exchange(e) for e in a.exchanges]
    right = [nb.exchange(e) for e in b.exchanges]
    if [e["label"] for e in left] != [e["label"] for e in right]:
        problems.append(
            "the two runs made different requests:\n"
            + _diff([e["label"] for e in left], [e["label"] for e in right], (a.model, b.model))
        )
    for x, y in zip(left, right, strict=False):
        for part in ("status", "headers", "kind", "body", "facts"):
            if x[part] != y[part]:
                if part == "body" and x["kind"] == "bytes":
                    detail = f"{a.model}: {_show(x[part])}, {b.model}: {_show(y[part])}"
                else:
                    detail = _diff(x[part], y[part], (a.model, b.model))
                problems.append(f"{x['label']}: {part} differs\n{detail}")
    return problems


def compare_rows(a: RunRecord, b: RunRecord) -> list[str]:
    left, right = Normaliser(a).rows(), Normaliser(b).rows()
    problems = []
    if set(left) != set(right):
        problems.append(f"tables differ: {sorted(left)} != {sorted(right)}")
    for table in sorted(set(left) & set(right)):
        x, y = left[table], right[table]
        if len(x) != len(y):
            problems.append(f"{table}: {len(x)} rows under {a.model}, {len(y)} under {b.model}")
        for index, (r, s) in enumerate(zip(x, y, strict=False)):
            for column in sorted(set(r) | set(s)):
                if r.get(column, "<missing>") != s.get(column, "<missing>"):
                    problems.append(
                        f"{table} row {index + 1} ({_row_name(r)}), {column}: "
                        f"{r.get(column, '<missing>')!r} under {a.model}, "
                        f"{s.get(column, '<missing>')!r} under {b.model}"
                    )
    return problems


def _row_name(row: Mapping[str, Any]) -> str:
    for column in ("code", "email", "title", "id"):
        if column in row:
            return f"{column}={row[column]}"
    return "?"


def compare_objects(a: RunRecord, b: RunRecord) -> list[str]:
    left, right = Normaliser(a).objects(), Normaliser(b).objects()
    problems = []
    for key in sorted(set(left) - set(right)):
        problems.append(f"object {key} stored only under {a.model}")
    for key in sorted(set(right) - set(left)):
        problems.append(f"object {key} stored only under {b.model}")
    for key in sorted(set(left) & set(right)):
        if left[key] != right[key]:
            problems.append(
                f"object {key}: Content-Type {left[key]!r} under {a.model}, "
                f"{right[key]!r} under {b.model}"
            )
    return problems


def compare_mails(a: RunRecord, b: RunRecord) -> list[str]:
    """The messages each run's SMTP server received, by recipient: headers, texts,
    attachments."""
    left, right = Normaliser(a).mails(), Normaliser(b).mails()
    problems = []
    recipients = ([m["to"] for m in left], [m["to"] for m in right])
    if recipients[0] != recipients[1]:
        problems.append(
            "the two runs mailed different recipients (or some twice):\n"
            + _diff(*recipients, (a.model, b.model))
        )
    for x, y in zip(left, right, strict=False):
        if x != y:
            problems.append(f"mail to {x['to']} differs\n" + _diff(x, y, (a.model, b.model)))
    return problems


def compare_runs(a: RunRecord, b: RunRecord) -> list[str]:
    """Every difference between two runs, after normalisation; [] when they agree."""
    return (
        compare_exchanges(a, b) + compare_rows(a, b) + compare_objects(a, b) + compare_mails(a, b)
    )


def report(problems: Iterable[str], limit: int = 30) -> str:
    problems = list(problems)
    shown = problems[:limit]
    more = f"\n... and {len(problems) - limit} more" if len(problems) > limit else ""
    return f"{len(problems)} difference(s):\n\n" + "\n\n".join(shown) + more
