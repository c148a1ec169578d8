"""`flask events check`: the checker from a shell, a cron service or a scheduled machine.

Exit status: 0 when every run finished (work may remain for the next one);
1 when a run failed, when a certificate failed to issue in this invocation
(cron platforms then flag the job, and the organizer sees the error on the
event page), or when `--until-done` stopped making progress. With
`--workers N`, 1 when any worker's status was not 0.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import click
from flask.cli import AppGroup, ScriptInfo

from app.checker.models import Outcome, Trigger

if TYPE_CHECKING:
    from app.checker.run import CheckResult

events = AppGroup("events", help="Event housekeeping: the event checker.")
HELD_POLL_SECONDS = 1.0
HELD_WAIT_SECONDS = 150.0  # longer than any claim's lease


@events.command("check")
@click.option(
    "--budget",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="SECONDS",
    help="Stop each run after about this long (default: CHECKER_BUDGET_SECONDS).",
)
@click.option(
    "--until-done",
    is_flag=True,
    help="Start another run while the last one ran out of time with work left, or "
    "found work held by another run (waiting for that run's claims to finish or lapse).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Run this many checker processes at once, each with its own runs, budget and "
    "claims (about one per core: rendering is CPU-bound).",
)
def check(budget: float | None, until_done: bool, workers: int) -> None:
    """Move events by the clock and issue the certificates that are due."""
    if workers > 1:
        click.get_current_context().exit(_fan_out(workers, budget, until_done))
    failed = False
    waited_since: float | None = None
    while True:
        result = _one_run(budget)
        click.echo(summary(result), err=result.outcome == Outcome.FAILED)
        if result.stopped:
            # The run's thread is stuck in a call that may never return; exiting
            # normally could wait on it (interpreter shutdown, pool clean-up).
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(1)
        failed = failed or result.outcome == Outcome.FAILED or result.failed > 0
        progressed = result.issued + result.failed + result.mailed + result.mail_failed > 0
        if until_done and result.outcome == Outcome.HELD:
            # Another run's claims end when it commits or when their lease lapses;
            # the wait counts from the last run that got anything done.
            if progressed or waited_since is None:
                waited_since = time.monotonic()
            elif time.monotonic() - waited_since > HELD_WAIT_SECONDS:
                click.echo("Work stayed held by other runs; stopping.", err=True)
                failed = True
                break
            time.sleep(HELD_POLL_SECONDS)
            continue
        waited_since = None
        if not until_done or result.outcome != Outcome.TIME_UP:
            break
        if not progressed:
            click.echo("No progress within the budget; stopping. Try a larger --budget.", err=True)
            failed = True
            break
    click.get_current_context().exit(1 if failed else 0)


def _fan_out(workers: int, budget: float | None, until_done: bool) -> int:
    """Start `workers` processes of this same command and wait for them all.

    Processes rather than threads: rendering holds the GIL. They share nothing
    but the database, where the claims keep them off each other's work, so
    they are exactly as safe together as separate cron runs.
    """
    info = click.get_current_context().find_object(ScriptInfo)
    app = ["--app", info.app_import_path] if info and info.app_import_path else []
    command = [sys.executable, "-m", "flask", *app, "events", "check"]
    command += [*(["--budget", str(budget)] if budget else []), *(["--until-done"] * until_done)]
    processes = [subprocess.Popen(command) for _ in range(workers)]  # noqa: S603 (our own argv)
    statuses = [process.wait() for process in processes]
    for number, status in enumerate(statuses, 1):
        if status:
            click.echo(f"worker {number} of {workers} exited with status {status}", err=True)
    return 1 if any(statuses) else 0


def _one_run(budget: float | None) -> CheckResult:
    """One run, with a progress bar when a person is watching."""
    # Loaded here, not with the command group: every process that makes the app
    # (a web worker, a serverless cold start) registers this group, few run it.
    from app.checker.run import check_events

    if not sys.stdout.isatty():
        return check_events(budget_seconds=budget, trigger=Trigger.CLI.value)
    with ExitStack() as stack:
        bar: dict[str, Any] = {}

        def progress(done: int, total: int) -> None:
            if "bar" not in bar:
                bar["bar"] = stack.enter_context(
                    click.progressbar(length=max(total, 1), label="Issuing certificates")
                )
            bar["bar"].update(min(done, total) - bar["bar"].pos)

        return check_events(budget_seconds=budget, trigger=Trigger.CLI.value, on_progress=progress)


def summary(result: CheckResult) -> str:
    line = (
        f"run {result.run_id}: {result.outcome}; moved {result.events_moved} event(s), "
        f"issued {result.issued}, failed {result.failed}, remaining {_count(result.remaining)}"
        f" ({_count(result.deferred)} waiting to retry, {_count(result.held)} held by other runs),"
        f" emailed {result.mailed} ({result.mail_failed} send attempts failed),"
        f" {result.duration:.1f} s"
    )
    if result.fanned_out or result.fan_out_error:
        # Invocations of the cron route this run started (CHECKER_FAN_OUT), and why
        # any were not: the work they would have done stays due for the next run.
        line += f"; fanned out {result.fanned_out}"
        if result.fan_out_error:
            line += f" (fan-out: {result.fan_out_error})"
    return f"{line}; error: {result.error}" if result.error else line


def _count(value: int | None) -> str:
    return "unknown" if value is None else str(value)
