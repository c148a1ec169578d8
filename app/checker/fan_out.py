"""Fan-out: a run with more due work than its budget covers starts more runs like it.

Each is a request to the cron route on this app's own BASE_URL, with the cron
secret: on Vercel every request is a function invocation of its own, with its
own instance and budget. They all claim from the same queue (`issue_claims`),
so nothing here schedules work; it only asks the platform for more workers.

CHECKER_FAN_OUT bounds how many run at once, counted in the database: a run
reserves invocations as `checker_runs` rows (outcome "pending", a short lease)
in a transaction that serialises the runs doing so, and each invoked request
adopts its row (`?run=ID`). A run never waits on the runs it starts: it sends
the request and listens for at most ACK_SECONDS, enough to hear a refusal (a
wrong secret, a protected deployment, a bad BASE_URL), then goes on. Refused
calls are reported in its own run record and their rows closed; no work is
lost, since nothing was claimed for them.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.checker.claims import ClaimTimeout, write_transaction
from app.checker.models import CheckerRun, Outcome, Trigger
from app.database import utcnow
from app.extensions import db

ROUTE = "/api/cron/check-events"
# A reserved invocation that has not started within this long is given up.
START_LEASE_SECONDS = 60.0
# How long a run listens for a refusal of a call it made (not for its answer).
ACK_SECONDS = 1.0
# PostgreSQL advisory lock that serialises reservations (SQLite: BEGIN IMMEDIATE does).
LOCK_KEY = 0x1A0E_F0

log = logging.getLogger(__name__)


@dataclass
class Dispatch:
    """Calls this run made: which run rows they were for, and the refusals heard."""

    ids: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)
    threads: list[threading.Thread] = field(default_factory=list)
    problem: str | None = None  # why no call was made at all


def wanted(due: int, seconds_each: float, seconds_left: float, budget: float) -> int:
    """Further invocations needed for `due` certificates beyond what this run still covers."""
    if due <= 0 or seconds_each <= 0:
        return 0
    here = seconds_left / seconds_each
    per_invocation = max(budget / seconds_each, 1.0)
    return max(0, math.ceil((due - here) / per_invocation))


def fan_out(count: int, *, event_id: int | None, deadline: float) -> Dispatch:
    """Reserve up to `count` invocations within CHECKER_FAN_OUT and call the cron route."""
    config = current_app.config
    if count <= 0 or config["CHECKER_FAN_OUT"] <= 0:
        return Dispatch()
    if not config.get("BASE_URL") or not config.get("CRON_SECRET"):
        return Dispatch(problem="fan-out needs BASE_URL and CRON_SECRET; none started")
    base = urllib.parse.urlsplit(config["BASE_URL"])
    if base.scheme not in ("http", "https") or not base.netloc:
        # Nothing could reach it: reserve nothing, and say which setting to fix.
        return Dispatch(
            problem=f"BASE_URL {config['BASE_URL']!r} is not an http(s):// address; "
            "no fan-out started"
        )
    ids = _reserve(count, event_id, float(config["CHECKER_BUDGET_SECONDS"]), deadline)
    dispatch = Dispatch(ids=ids)
    url = config["BASE_URL"] + ROUTE
    for reserved in ids:
        query = {"run": reserved, **({"event": event_id} if event_id is not None else {})}
        target = f"{url}?{urllib.parse.urlencode(query)}"
        thread = threading.Thread(
            target=_call,
            args=(target, config["CRON_SECRET"], reserved, dispatch),
            name="laurel-fan-out",
            daemon=True,  # its request is the platform's business once sent
        )
        thread.start()
        dispatch.threads.append(thread)
    return dispatch


def _reserve(count: int, event_id: int | None, budget: float, deadline: float) -> list[int]:
    with write_transaction(deadline):
        if db.engine.dialect.name != "sqlite":
            db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        now = utcnow()
        live = db.session.scalar(
            sa.select(sa.func.count(CheckerRun.id)).where(
                CheckerRun.trigger == Trigger.FAN_OUT.value,
                CheckerRun.outcome.in_([Outcome.PENDING.value, Outcome.RUNNING.value]),
                CheckerRun.expires_at > now,
            )
        )
        count = min(count, current_app.config["CHECKER_FAN_OUT"] - int(live or 0))
        rows = [
            CheckerRun(
                trigger=Trigger.FAN_OUT.value,
                event_id=event_id,
                budget_seconds=budget,
                started_at=now,
                outcome=Outcome.PENDING.value,
                expires_at=now + timedelta(seconds=START_LEASE_SECONDS),
            )
            for _ in range(max(count, 0))
        ]
        db.session.add_all(rows)
        db.session.flush()
        return [row.id for row in rows]


def record_fan_out(run_id: int, started: int, problem: str | None, deadline: float) -> None:
    """Add what a finished run's successors came to, to its record."""
    try:
        with write_transaction(deadline):
            db.session.execute(
                sa.update(CheckerRun)
                .where(CheckerRun.id == run_id)
                .values(fanned_out=started, fan_out_error=problem)
            )
    except (sa.exc.DBAPIError, ClaimTimeout):
        db.session.rollback()
        log.exception("could not record the fan-out of checker run %s", run_id)


def _call(url: str, secret: str, reserved: int, dispatch: Dispatch) -> None:
    try:  # a URL urllib cannot use fails here, and is a refusal like any other
        request = urllib.request.Request(  # noqa: S310 (BASE_URL is the operator's own)
            url, headers={"Authorization": f"Bearer {secret}", "User-Agent": "laurel-fan-out"}
        )
        with urllib.request.urlopen(request, timeout=ACK_SECONDS):  # noqa: S310
            return  # answered at once: it found little to do
    except urllib.error.HTTPError as exc:
        if exc.code != 500:  # 500 is a run that failed, and its own record says why
            dispatch.refused[reserved] = f"HTTP {exc.code} from {url.split('?')[0]}"
    except TimeoutError:
        return  # no answer yet: it is working
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        if not isinstance(reason, TimeoutError):
            dispatch.refused[reserved] = f"{url.split('?')[0]}: {reason}"


def settle(dispatches: list[Dispatch], deadline: float) -> tuple[int, str | None]:
    """Close the rows of refused calls; (invocations started, what went wrong or None).

    Waits for the calls' first answers no later than `deadline` (time.monotonic);
    a call not heard from by then counts as started (its row lapses if it was not).
    """
    for dispatch in dispatches:
        for thread in dispatch.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
    refused = {k: v for dispatch in dispatches for k, v in dict(dispatch.refused).items()}
    problems = [dispatch.problem for dispatch in dispatches if dispatch.problem]
    if refused:
        with write_transaction(deadline):
            db.session.execute(
                sa.update(CheckerRun)
                .where(CheckerRun.id.in_(refused), CheckerRun.outcome == Outcome.PENDING.value)
                .values(
                    outcome=Outcome.FAILED.value,
                    finished_at=utcnow(),
                    error="The call that should have started this run was refused.",
                )
            )
        problems += sorted({f"self-call refused: {text}" for text in refused.values()})
        log.warning("fan-out: %s call(s) refused: %s", len(refused), problems)
    started = sum(len(dispatch.ids) for dispatch in dispatches) - len(refused)
    return started, "; ".join(problems) or None
