"""`chat-analytics report` (`python -m reports.weekly`): the weekly report for people and for cron.

Exit 0 on success; on bad arguments one line and exit 2; on an unreachable database, an unwritable
output or an SMTP failure one line and exit 1 (`--verbose` adds the traceback). Re-running is
harmless: it only reads, and replaces its output atomically.
"""

from __future__ import annotations

import os
import re
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from jinja2 import TemplateError

from commands.startup import database_url_option, one_line_errors, report_failure
from data.errors import FieldError

MAX_DAYS = 366
EMAIL = re.compile(r"[^@\s,]+@[^@\s,]+")


def _end_day(ctx, param, value: str | None) -> date | None:
    from data.periods import parse_day

    try:
        return parse_day(value, "--end") if value else None
    except FieldError as exc:
        raise click.BadParameter(str(exc)) from None


def _zone(ctx, param, value: str | None) -> ZoneInfo | None:
    if not value:
        return None
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"{value!r} is not an IANA time zone") from None


def _recipients(ctx, param, value: str | None) -> list[str] | None:
    if value is None:
        return None
    found = [a.strip() for a in value.split(",") if a.strip()]
    if not found or not all(EMAIL.fullmatch(a) for a in found):
        raise click.BadParameter("must be one or more addresses separated by commas")
    return found


@click.command(help="The weekly report: text, JSON or HTML, to stdout, a file or by email.")
@click.option(
    "--days", type=click.IntRange(1, MAX_DAYS), default=7, show_default=True, help="length of the period"
)
@click.option(
    "--end", callback=_end_day, help="last day of the period, YYYY-MM-DD (default: the period ends now)"
)
@click.option("--tz", callback=_zone, help="time zone for days and hours (default DISPLAY_TIMEZONE)")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="write here (atomically)")
@click.option(
    "--template",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="a Jinja2 template replacing the HTML one",
)
@click.option("--email", callback=_recipients, help="send to ADDR[,ADDR] (text + HTML) via SMTP_*")
@database_url_option
@click.option("--verbose", is_flag=True, help="show the traceback of a failure")
@one_line_errors
def report(
    days: int,
    end: date | None,
    tz: ZoneInfo | None,
    fmt: str,
    output: Path | None,
    template: Path | None,
    email: list[str] | None,
    database_url: str | None,
    verbose: bool,
) -> None:
    from config import Config
    from data.db import create_engine
    from data.periods import custom_range, rolling_period
    from reports.content import build_report
    from reports.delivery import SmtpSettings, send_email, write_atomically
    from reports.render import render_html, render_json, render_text

    config = Config.from_env()
    zone = tz or config.tz
    now = datetime.now(UTC)
    period = (
        custom_range(end - timedelta(days=days - 1), end, zone) if end else rolling_period(days, zone, now)
    )
    # Read only: no schema upgrade from a reporting job.
    engine = create_engine(database_url or config.database_url)
    try:
        with engine.connect() as conn:
            built = build_report(conn, period, days, now)
    finally:
        engine.dispose()
    try:
        html = render_html(built, template) if fmt == "html" or email else None
    except TemplateError as exc:
        raise SystemExit(report_failure(RuntimeError(f"the HTML template failed: {exc}"), verbose)) from None
    rendered = {"text": render_text, "json": render_json}.get(fmt, lambda _: html)(built)
    if output:
        write_atomically(output, rendered)
    elif not email:
        sys.stdout.write(rendered)
    if email:
        settings = SmtpSettings.from_env(os.environ)
        send_email(settings, email, f"Chat Analytics weekly report: {period.label}", render_text(built), html)
