"""Whether the database can serve the app right now: what GET /healthz reports.

Beyond "does it answer a query": a SQLite file that is missing, replaced or read-only, a
read-only PostgreSQL, and a recent write refused for lack of space or permission all mean the
app cannot do its job (ingestion would answer 503), so the health check says so too. A refused
write counts for WRITE_FAILURE_HOLD seconds, or until a write succeeds: then the load balancer
sends traffic again and the next write tells.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from weakref import WeakKeyDictionary, WeakSet

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.exc import SQLAlchemyError

from data.errors import describe_db_error
from data.sqlite_file import sqlite_file_of

WRITE_FAILURE_HOLD = 30.0
# SQLite's primary result codes for a write the storage refused.
_SQLITE_STORAGE = {13: "disk full", 10: "disk I/O error", 8: "read-only database"}


@dataclass(frozen=True)
class Problem:
    """Why the database cannot serve: a short code for the public answer, and the detail to log."""

    code: str
    detail: str


class _WriteFailures:
    """The last write the storage refused, per engine (per process)."""

    def __init__(self) -> None:
        self.at: float | None = None
        self.reason = ""

    def recent(self) -> str | None:
        if self.at is None or time.monotonic() - self.at > WRITE_FAILURE_HOLD:
            return None
        return self.reason


_FAILURES: WeakKeyDictionary[Engine, _WriteFailures] = WeakKeyDictionary()


def storage_refusal(exc: BaseException) -> str | None:
    """What kind of storage failure a driver exception is (disk full, read-only...), or None."""
    if isinstance(exc, sqlite3.Error):
        return _SQLITE_STORAGE.get(getattr(exc, "sqlite_errorcode", 0) & 0xFF)
    state = getattr(exc, "sqlstate", None) or ""
    if state.startswith("53"):  # insufficient resources: disk full, out of memory, too many connections
        return "insufficient resources"
    if state == "25006":
        return "read-only database"
    return None


def track_write_failures(engine: Engine) -> None:
    """Remember on `engine` when the storage refuses a write, and forget it when a write commits."""
    failures = _FAILURES.setdefault(engine, _WriteFailures())

    @event.listens_for(engine, "handle_error")
    def _refused(context) -> None:
        reason = storage_refusal(context.original_exception)
        if reason is not None:
            failures.at, failures.reason = time.monotonic(), reason

    # Connections with a write in their open transaction. Held weakly and never through
    # `conn.info`, which raises on a connection the database has just dropped.
    writing: WeakSet[Connection] = WeakSet()

    @event.listens_for(engine, "after_cursor_execute")
    def _wrote(conn, _cursor, _statement, _parameters, context, _many) -> None:
        if context is not None and (context.isinsert or context.isupdate or context.isdelete):
            writing.add(conn)

    @event.listens_for(engine, "commit")
    def _committed(conn) -> None:
        # Fired just before the commit; if the commit itself fails, _refused runs after this.
        if conn in writing:
            writing.discard(conn)
            failures.at = None

    @event.listens_for(engine, "rollback")
    def _rolled_back(conn) -> None:
        writing.discard(conn)


def database_problem(engine: Engine) -> Problem | None:
    """Why the app cannot serve from `engine`'s database now, or None when it can."""
    held = sqlite_file_of(engine)
    refused = held.problem() if held is not None else None
    if refused is not None:
        code = next(c for c in ("missing", "replaced", "read-only") if c in refused)
        return Problem(code, refused)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            if (
                conn.dialect.name == "postgresql"
                and conn.execute(text("SHOW transaction_read_only")).scalar() == "on"
            ):
                return Problem("read-only", "the PostgreSQL server accepts no writes (transaction_read_only)")
    except SQLAlchemyError as exc:
        return Problem("unreachable", describe_db_error(exc))
    failures = _FAILURES.get(engine)
    refused = failures.recent() if failures is not None else None
    if refused is not None:
        return Problem("write-refused", f"the database refused the last write: {refused}")
    return None
