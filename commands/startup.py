"""What every command shares: the database it opens (schema upgraded), and one-line errors.

A command's failure is one `error: ...` line on stderr and exit 1; a bad argument is one line and
exit 2 (as argparse did), never a traceback unless asked for with --verbose where offered.
"""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import TypeVar

import click
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from data.errors import describe_db_error

F = TypeVar("F", bound=Callable)

# Failures a command reports as one line: the database, and refusals of the data layer and
# its callers (they are ValueErrors or RuntimeErrors with a message written for people).
EXPECTED = (SQLAlchemyError, ValueError, RuntimeError, OSError)

database_url_option = click.option("--database-url", help="defaults to DATABASE_URL")


def open_engine(database_url: str | None = None) -> Engine:
    """An engine on `database_url` (else DATABASE_URL), its schema created or upgraded."""
    from config import Config
    from data.db import create_engine, upgrade_schema

    engine = create_engine(database_url or Config.from_env().database_url)
    upgrade_schema(engine)
    return engine


def error_line(exc: BaseException) -> str:
    """The one line a failure is reported as."""
    text = describe_db_error(exc) if isinstance(exc, SQLAlchemyError) else str(exc)
    return f"error: {text.splitlines()[0] if text.strip() else exc.__class__.__name__}"


def report_failure(exc: BaseException, verbose: bool = False) -> int:
    """Print `exc` as one `error: ...` line on stderr (the traceback first when verbose); return 1."""
    if verbose:
        traceback.print_exception(exc)
    print(error_line(exc), file=sys.stderr)
    return 1


def one_line_errors(command: F) -> F:
    """Make a command's expected failures one line on stderr and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except EXPECTED as exc:
            raise SystemExit(report_failure(exc, bool(kwargs.get("verbose")))) from None

    return wrapper  # type: ignore[return-value]


def invoke(command: click.Command, argv: Sequence[str] | None, prog_name: str) -> int:
    """Run a click command as `prog_name` and return its exit code (bad arguments: SystemExit 2)."""
    try:
        command.main(
            args=list(argv) if argv is not None else None, prog_name=prog_name, standalone_mode=False
        )
    except click.UsageError as exc:
        hint = f" (see {exc.ctx.command_path if exc.ctx else prog_name} --help)"
        print(f"error: {exc.format_message()}{hint}", file=sys.stderr)
        raise SystemExit(2) from None
    except click.ClickException as exc:
        print(f"error: {exc.format_message()}", file=sys.stderr)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.Abort:
        print("error: aborted", file=sys.stderr)
        return 1
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0
