"""`chat-analytics audit` (`python -m data.audit`): the audit trail, newest first."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from commands.startup import database_url_option, one_line_errors, open_engine
from data.audit import ACTIONS, entries


@click.command(help="List the audit trail, newest first.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="from this day (YYYY-MM-DD, UTC)")
@click.option("--action", type=click.Choice(ACTIONS))
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@database_url_option
@one_line_errors
def audit(since: datetime | None, action: str | None, limit: int, database_url: str | None) -> None:
    with open_engine(database_url).connect() as conn:
        rows = entries(conn, since=since.replace(tzinfo=UTC) if since else None, action=action, limit=limit)
    for r in rows:
        detail = ", ".join(f"{k}={v}" for k, v in (r["detail"] or {}).items())
        click.echo(
            f"{r['at']:%Y-%m-%d %H:%M:%S}  {r['action']:<14} {r['actor'] or '-':<24} {r['ip'] or '-':<16} {detail}"
        )
    if not rows:
        click.echo("no entries")
