"""`python -m reports.weekly`: the weekly report for people and for cron.

Exit 0 on success; on bad arguments, an unreachable database, an unwritable output or an SMTP
failure, one line on stderr and a non-zero exit (2 for bad arguments, 1 otherwise). `--verbose`
adds the traceback. Re-running is harmless: it only reads, and replaces its output atomically.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import TemplateError
from sqlalchemy.exc import SQLAlchemyError

from data.errors import describe_db_error
from data.periods import PeriodError, custom_range, parse_day, rolling_period
from reports.content import build_report
from reports.delivery import DeliveryError, SmtpSettings, send_email, write_atomically
from reports.render import render_html, render_json, render_text

MAX_DAYS = 366
EMAIL = re.compile(r"[^@\s,]+@[^@\s,]+")


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a whole number of days") from None
    if not 1 <= value <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_DAYS}")
    return value


def _recipients(text: str) -> list[str]:
    found = [a.strip() for a in text.split(",") if a.strip()]
    if not found or not all(EMAIL.fullmatch(a) for a in found):
        raise argparse.ArgumentTypeError("must be one or more addresses separated by commas")
    return found


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m reports.weekly", description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=_days, default=7, help="length of the period (default 7)")
    parser.add_argument("--end", help="last day of the period, YYYY-MM-DD (default: the period ends now)")
    parser.add_argument("--tz", help="time zone for days and hours (default DISPLAY_TIMEZONE)")
    parser.add_argument("--format", choices=("text", "json", "html"), default="text")
    parser.add_argument("--output", type=Path, help="write here (atomically) instead of stdout")
    parser.add_argument("--template", type=Path, help="a Jinja2 template replacing the HTML one")
    parser.add_argument("--email", type=_recipients, help="send to ADDR[,ADDR] (text + HTML) via SMTP_*")
    parser.add_argument("--database-url", help="defaults to DATABASE_URL")
    parser.add_argument("--verbose", action="store_true", help="show the traceback of a failure")
    args = parser.parse_args(argv)
    if args.end:
        try:
            args.end = parse_day(args.end, "--end")
        except PeriodError as exc:
            parser.error(str(exc))
    if args.tz:
        try:
            args.tz = ZoneInfo(args.tz)
        except (ZoneInfoNotFoundError, ValueError):
            parser.error(f"--tz {args.tz!r} is not an IANA time zone")
    if args.template and not args.template.is_file():
        parser.error(f"--template {args.template} is not a readable file")
    return args


def run(args: argparse.Namespace) -> None:
    """Build, render and deliver the report; raises on any failure."""
    from config import Config
    from data.db import create_engine

    config = Config.from_env()
    tz = args.tz or config.tz
    now = datetime.now(UTC)
    if args.end:
        period = custom_range(args.end - timedelta(days=args.days - 1), args.end, tz)
    else:
        period = rolling_period(args.days, tz, now)
    engine = create_engine(args.database_url or config.database_url)
    try:
        with engine.connect() as conn:
            report = build_report(conn, period, args.days, now)
    finally:
        engine.dispose()

    html = render_html(report, args.template) if args.format == "html" or args.email else None
    rendered = {"text": render_text, "json": render_json}.get(args.format, lambda _: html)(report)
    if args.output:
        write_atomically(args.output, rendered)
    elif not args.email:
        sys.stdout.write(rendered)
    if args.email:
        settings = SmtpSettings.from_env(os.environ)
        subject = f"Chat Analytics weekly report: {period.label}"
        send_email(settings, args.email, subject, render_text(report), html)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = parse_args(argv)
    try:
        run(args)
    except SQLAlchemyError as exc:
        return _fail(f"error: {describe_db_error(exc)}", args.verbose)
    except (DeliveryError, PeriodError, ValueError) as exc:
        return _fail(f"error: {exc}", args.verbose)
    except TemplateError as exc:
        return _fail(f"error: the HTML template failed: {exc}", args.verbose)
    return 0


def _fail(line: str, verbose: bool) -> int:
    if verbose:
        traceback.print_exc()
    print(line.splitlines()[0], file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
