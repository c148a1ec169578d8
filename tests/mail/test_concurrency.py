"""Overlapping `flask events check` processes, and processes killed at random points,
draining 500 due messages into a real SMTP server: every message arrives, and none
twice unless a kill landed in the one documented window (sent, not yet recorded)."""

from __future__ import annotations

import random
import re
import signal
import time
from collections import Counter

import pytest
import sqlalchemy as sa

from app.database import utcnow
from app.extensions import db
from app.mail.models import OutboxMessage
from app.mail.outbox import queue_text
from tests.checker.helpers import flask_check, process_env
from tests.mail.conftest import SENDER

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("ctx")]

MESSAGES = 500
PROCESSES = 8


@pytest.fixture
def env(database_url, smtp, tmp_path) -> dict[str, str]:
    return process_env(
        {
            "DATABASE_URL": database_url,
            "STORAGE_URL": (tmp_path / "storage").as_uri(),
            "EMAIL_URL": f"smtp+starttls://127.0.0.1:{smtp.port}?timeout=5",
            "EMAIL_FROM": SENDER,
            "SSL_CERT_FILE": str(smtp.ca_file),
            # Short runs: a killed run's claims lapse within seconds.
            "CHECKER_BUDGET_SECONDS": "6",
        }
    )


def queue(count: int) -> dict[str, str]:
    """`count` due messages; their Message-IDs (made from each idempotency key)."""
    now = utcnow()
    rows = [
        queue_text(f"person{n}@example.org", f"Message {n}", "Hello", now) for n in range(count)
    ]
    db.session.commit()
    return {f"<{row.idempotency_key}@laurel.example>": row.to_address for row in rows}


def received(smtp) -> Counter:
    with smtp.inbox.lock:
        return Counter(message["Message-ID"] for message in smtp.inbox.messages)


def sent_rows() -> int:
    db.session.rollback()
    query = sa.select(sa.func.count(OutboxMessage.id)).where(OutboxMessage.state == "sent")
    return db.session.scalar(query)


def output(process) -> str:
    return process.stdout.read().decode(errors="replace")


def test_eight_overlapping_runs_send_each_message_exactly_once(env, smtp):
    expected = queue(MESSAGES)
    processes = [flask_check(env, "--until-done") for _ in range(PROCESSES)]
    results = [(process.wait(timeout=600), output(process)) for process in processes]
    for status, text in results:
        assert status == 0, text
    counts = received(smtp)
    assert set(counts) == set(expected)
    assert max(counts.values()) == 1
    assert sent_rows() == MESSAGES
    shared = sum(1 for _, text in results if re.search(r" emailed [1-9]", text))
    assert shared > 1, "the runs should have shared the work"


def test_runs_killed_at_random_points_lose_no_message(env, smtp):
    expected = queue(MESSAGES)
    rng = random.Random(13)
    kills = 0
    for _ in range(4):
        before = len(smtp.inbox.messages)
        process = flask_check(env, "--until-done")
        deadline = time.monotonic() + 60
        while len(smtp.inbox.messages) == before and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.3))
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=10) == -signal.SIGKILL
        kills += 1
    assert 0 < sent_rows() < MESSAGES, "the kills should land mid-way"

    clean = flask_check(env, "--until-done")
    assert clean.wait(timeout=300) == 0, output(clean)
    counts = received(smtp)
    assert set(counts) == set(expected)  # every message delivered
    assert sent_rows() == MESSAGES
    # A kill between the server's acceptance and the `sent` commit is the one
    # window that repeats a message (same Message-ID): at most one per kill.
    repeated = sum(n - 1 for n in counts.values())
    assert repeated <= kills
