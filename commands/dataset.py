"""`chat-analytics seed` and `chat-analytics rollups rebuild` (`python -m data.seed`, `python -m data.rollups`)."""

from __future__ import annotations

import sys

import click

from commands.startup import database_url_option, one_line_errors, open_engine


@click.command(help="Deterministic synthetic chat data ending now, written through the data layer.")
@click.option(
    "--sessions", type=click.IntRange(min=0), default=2_000, show_default=True, help="sessions to create"
)
@click.option(
    "--days", type=click.IntRange(min=1), default=90, show_default=True, help="days of history ending now"
)
@click.option("--active", type=click.IntRange(min=0), default=5, show_default=True, help="sessions left open")
@click.option("--seed", type=int, default=42, show_default=True, help="random seed")
@click.option(
    "--incidents",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="inject this many incidents, kinds in turn: response times x3 for 2 hours, sessions -60% "
    "for 3 hours, escalations x4 for 1 hour; on weekdays between 09:00 and 17:00 UTC after the first "
    "6 weeks, spread evenly, at hours set by --seed; listed when done. The other data is the same "
    "as without them",
)
@database_url_option
@one_line_errors
def seed(sessions: int, days: int, active: int, seed: int, incidents: int, database_url: str | None) -> None:
    from data.seed import generate

    if active > sessions:
        raise click.UsageError("--active cannot exceed --sessions")
    summary = generate(
        open_engine(database_url),
        sessions=sessions,
        days=days,
        active=active,
        seed=seed,
        progress=sys.stderr.isatty(),
        incidents=incidents,
    )
    click.echo(summary.line())


@click.group(help="The rollup tables every writer keeps.")
def rollups() -> None:
    pass


@rollups.command(help="Recompute the rollup tables from the base tables.")
@database_url_option
@one_line_errors
def rebuild(database_url: str | None) -> None:
    from data.db import refresh_statistics
    from data.rollups import rebuild as rebuild_rollups
    from data.schema import ROLLUP_TABLES

    engine = open_engine(database_url)
    with engine.begin() as conn:
        counts = rebuild_rollups(conn)
    refresh_statistics(engine, ROLLUP_TABLES)
    click.echo("Rebuilt the rollups: " + ", ".join(f"{name} {n:,} rows" for name, n in counts.items()))
