"""Retention: `python -m data.retention --keep-days N [--dry-run]` deletes base rows older than N days.

Which sessions go: those created more than N days ago whose last activity (`updated_at`: the last
message or event, or the close) is more than N days ago too. A session still written to within
the last N days stays, whenever it started, with all its rows; an open session silent for N days
(abandoned, never closed) goes like a closed one.

How: a few hundred sessions per transaction, sized so that each deletes about `batch_rows` rows
(their messages, then topics, actions and analytics, then the sessions), so no lock is held for
long and ingestion, the dashboard and exports go on meanwhile. On PostgreSQL the batch's sessions
are row-locked, skipping any that a writer holds right now (the next run takes them); on SQLite
every delete re-checks the rule, so a session revived between the choice and the delete stays.
Then the idempotency keys of ingestion (`ingested_events`) received before the cutoff.

The rollup tables are left alone: they were added to as the rows arrived and nothing subtracts
the deleted rows, so the dashboard's whole hours and days before the cutoff keep their figures
(`python -m data.rollups rebuild` would recompute them from what is left: do not run it after).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, delete, func, select

from data.schema import (
    chat_analytics,
    chat_messages,
    chat_sessions,
    ingested_events,
    session_actions,
    session_topics,
)

DEFAULT_BATCH_ROWS = 1_000
LOCK_TIMEOUT = "5s"  # PostgreSQL: wait no longer than this for a lock; fail and let the next run go on
_FIRST_GUESS_ROWS_PER_SESSION = 20
# The tables of a session's rows, deleted in this order before the session itself.
_CHILDREN = (
    ("messages", chat_messages),
    ("topics", session_topics),
    ("actions", session_actions),
    ("analytics", chat_analytics),
)


@dataclass
class Counts:
    """Rows deleted (or, in a dry run, that would be), per kind."""

    sessions: int = 0
    messages: int = 0
    topics: int = 0
    actions: int = 0
    analytics: int = 0
    event_keys: int = 0

    @property
    def rows(self) -> int:
        return sum(asdict(self).values())

    def add(self, other: Counts) -> None:
        for name, n in asdict(other).items():
            setattr(self, name, getattr(self, name) + n)

    def describe(self) -> str:
        """'12 sessions, 140 messages, ...' for the command's output."""
        return (
            f"{self.sessions:,} sessions, {self.messages:,} messages, {self.analytics:,} analytics rows, "
            f"{self.topics:,} topic rows, {self.actions:,} actions, {self.event_keys:,} event ids"
        )


@dataclass
class Progress:
    """Where a run stands: deleted so far, of how many sessions, in how many transactions."""

    cutoff: datetime
    sessions_to_delete: int
    deleted: Counts = field(default_factory=Counts)
    transactions: int = 0
    longest_transaction_s: float = 0.0


def cutoff_for(keep_days: int, now: datetime | None = None) -> datetime:
    """The moment N days before now: rows older than it go."""
    if keep_days < 1:
        raise ValueError("--keep-days must be at least 1")
    return (now or datetime.now(UTC)) - timedelta(days=keep_days)


def expired(cutoff: datetime) -> list:
    """WHERE conditions of the sessions retention deletes (see the module's docstring)."""
    return [chat_sessions.c.created_at < cutoff, chat_sessions.c.updated_at < cutoff]


def count(conn: Connection, cutoff: datetime) -> Counts:
    """What a run with this cutoff would delete now (the dry run)."""
    doomed = select(chat_sessions.c.session_id).where(*expired(cutoff))
    counts = Counts(
        sessions=conn.execute(select(func.count()).select_from(doomed.subquery())).scalar_one(),
        event_keys=conn.execute(
            select(func.count()).where(ingested_events.c.received_at < cutoff)
        ).scalar_one(),
    )
    for name, table in _CHILDREN:
        n = conn.execute(select(func.count()).where(table.c.session_id.in_(doomed))).scalar_one()
        setattr(counts, name, n)
    return counts


def delete_sessions(conn: Connection, cutoff: datetime, limit: int) -> Counts:
    """Delete up to `limit` expired sessions, oldest first, with their rows (one transaction's work)."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.set_config("lock_timeout", LOCK_TIMEOUT, True)))
    chosen = list(
        conn.execute(
            select(chat_sessions.c.session_id)
            .where(*expired(cutoff))
            .order_by(chat_sessions.c.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).scalars()
    )
    counts = Counts()
    if not chosen:
        return counts
    # Re-checked by every statement: on SQLite the choice above ran outside the write lock, which
    # the first delete takes; from then on nobody else writes until this transaction ends.
    doomed = select(chat_sessions.c.session_id).where(
        chat_sessions.c.session_id.in_(chosen), *expired(cutoff)
    )
    for name, table in _CHILDREN:
        setattr(counts, name, conn.execute(delete(table).where(table.c.session_id.in_(doomed))).rowcount)
    counts.sessions = conn.execute(
        delete(chat_sessions).where(chat_sessions.c.session_id.in_(chosen), *expired(cutoff))
    ).rowcount
    return counts


def delete_event_keys(conn: Connection, cutoff: datetime, limit: int) -> int:
    """Forget up to `limit` idempotency keys received before the cutoff; return how many."""
    oldest = (
        select(ingested_events.c.event_id)
        .where(ingested_events.c.received_at < cutoff)
        .order_by(ingested_events.c.received_at)
        .limit(limit)
    )
    return conn.execute(delete(ingested_events).where(ingested_events.c.event_id.in_(oldest))).rowcount


def run(
    engine: Engine,
    keep_days: int,
    *,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    now: datetime | None = None,
    report: Callable[[Progress], None] | None = None,
) -> Progress:
    """Delete everything older than `keep_days` in transactions of about `batch_rows` rows each;
    `report` is called after each transaction."""
    cutoff = cutoff_for(keep_days, now)
    with engine.connect() as conn:
        total = conn.execute(
            select(func.count()).select_from(
                select(chat_sessions.c.session_id).where(*expired(cutoff)).subquery()
            )
        ).scalar_one()
    progress = Progress(cutoff=cutoff, sessions_to_delete=total)
    per_batch = max(1, batch_rows // _FIRST_GUESS_ROWS_PER_SESSION)
    while True:
        started = time.perf_counter()
        with engine.begin() as conn:
            done = delete_sessions(conn, cutoff, per_batch)
        _account(progress, done, time.perf_counter() - started, report)
        if not done.sessions:
            break
        # Size the next batch on what this one held per session.
        per_batch = max(1, min(batch_rows, round(batch_rows * done.sessions / done.rows)))
    while True:
        started = time.perf_counter()
        with engine.begin() as conn:
            forgotten = delete_event_keys(conn, cutoff, batch_rows)
        _account(progress, Counts(event_keys=forgotten), time.perf_counter() - started, report)
        if forgotten < batch_rows:
            break
    return progress


def _account(progress: Progress, done: Counts, seconds: float, report) -> None:
    progress.deleted.add(done)
    progress.transactions += 1
    progress.longest_transaction_s = max(progress.longest_transaction_s, seconds)
    if report is not None:
        report(progress)


def main(argv: list[str] | None = None) -> int:
    """`python -m data.retention`: the `chat-analytics retention` command; returns the exit code."""
    from commands.retention import retention as command
    from commands.startup import invoke

    return invoke(command, argv, "python -m data.retention")


if __name__ == "__main__":
    sys.exit(main())
