"""`chat-analytics retention` (`python -m data.retention`): delete old base rows, keep the rollups."""

from __future__ import annotations

import getpass
import time
from dataclasses import asdict

import click
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from commands.startup import database_url_option, one_line_errors, open_engine
from data.retention import DEFAULT_BATCH_ROWS, Progress, count, cutoff_for, run


@click.command(
    help="Delete chat sessions, messages and analytics older than N days; the rollups keep their figures."
)
@click.option("--keep-days", type=int, required=True, help="keep this many days (at least 1)")
@click.option("--dry-run", is_flag=True, help="count what would be deleted, delete nothing")
@click.option(
    "--batch-rows", type=int, default=DEFAULT_BATCH_ROWS, show_default=True, help="rows per transaction"
)
@database_url_option
@one_line_errors
def retention(keep_days: int, dry_run: bool, batch_rows: int, database_url: str | None) -> None:
    if keep_days < 1:
        raise click.UsageError("--keep-days must be at least 1")
    if batch_rows < 1:
        raise click.UsageError("--batch-rows must be at least 1")
    engine = open_engine(database_url)
    cutoff = cutoff_for(keep_days)
    rule = f"sessions created and last active before {cutoff:%Y-%m-%d %H:%M} UTC"
    if dry_run:
        with engine.connect() as conn:
            counts = count(conn, cutoff)
        _audit(
            engine, {"keep_days": keep_days, "cutoff": cutoff.isoformat(), "dry_run": True, **asdict(counts)}
        )
        click.echo(f"Would delete {counts.describe()}: {rule} (dry run: nothing deleted)")
        return
    click.echo(f"Deleting {rule}, about {batch_rows:,} rows per transaction")
    printer = _Printer()
    started = time.perf_counter()
    try:
        done = run(engine, keep_days, batch_rows=batch_rows, report=printer)
    except SQLAlchemyError as exc:
        if printer.latest is not None:
            _audit_failure(engine, keep_days, printer.latest, exc)
        raise
    seconds = time.perf_counter() - started
    _audit(
        engine,
        {
            "keep_days": keep_days,
            "cutoff": done.cutoff.isoformat(),
            "dry_run": False,
            **asdict(done.deleted),
            "transactions": done.transactions,
            "seconds": round(seconds, 3),
        },
    )
    click.echo(
        f"Deleted {done.deleted.describe()} in {done.transactions:,} transactions, {seconds:.1f} s "
        f"(longest transaction {done.longest_transaction_s * 1000:.0f} ms)"
    )


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _audit(engine: Engine, detail: dict) -> None:
    from data import audit

    audit.record_now(engine, "retention", actor=_actor(), detail=detail)


def _audit_failure(engine: Engine, keep_days: int, progress: Progress, exc: SQLAlchemyError) -> None:
    """Record what a failed run had deleted, if the database still takes the entry."""
    from data.errors import describe_db_error

    detail = {"keep_days": keep_days, "cutoff": progress.cutoff.isoformat(), "dry_run": False}
    detail.update(asdict(progress.deleted), error=describe_db_error(exc))
    try:
        _audit(engine, detail)
    except SQLAlchemyError:
        pass


class _Printer:
    """Progress lines on stdout, at most one every `every` seconds."""

    def __init__(self, every: float = 2.0) -> None:
        self.every = every
        self.last = time.monotonic()
        self.latest: Progress | None = None

    def __call__(self, progress: Progress) -> None:
        self.latest = progress
        if time.monotonic() - self.last >= self.every:
            self.last = time.monotonic()
            d = progress.deleted
            share = d.sessions / progress.sessions_to_delete if progress.sessions_to_delete else 1.0
            click.echo(
                f"  {d.sessions:,} of {progress.sessions_to_delete:,} sessions ({share:.0%}); {d.describe()}"
            )
