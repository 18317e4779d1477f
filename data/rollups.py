"""Keeping the rollup tables (data.schema, `rollup_*`) equal to what the base tables imply.

The write path (data.recording) reports each change here; the increments collect in a `Deltas`
and are added to the rollup rows with one upsert per table, inside the writer's transaction, so a
rolled-back write leaves the rollups untouched. `rebuild` recomputes every rollup row from the base
tables; `python -m data.rollups rebuild` runs it, and the tests check that both agree exactly.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Connection, case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from data import histogram
from data.counters import ANALYTICS_COUNTERS, sums_sql, unresolved
from data.cover import DAY, HOUR, WEEK, bucket_start, moment
from data.schema import (
    ALL_TYPES,
    HOURLY_COUNTERS,
    ROLLUP_TABLES,
    TOPIC_COUNTERS,
    chat_analytics,
    chat_messages,
    chat_sessions,
    rollup_hour_p95,
    rollup_hours,
    rollup_message_sessions,
    rollup_response,
    rollup_topic_response,
    rollup_topics,
    session_topics,
)
from data.sqlfuncs import epoch_bucket
from data.topic_counters import (
    TOPIC_ANALYTICS_COUNTERS,
    topic_answers_from,
    topic_sessions_from,
    topic_sums_sql,
)

_PENDING = "rollup_deltas"
GRAINS = (("h", HOUR), ("d", DAY))
# The response-time histograms have many rows per day (bucket, and topic): weeks keep a 90-day
# read short (migration 0011 added the week rows of rollup_response).
RESPONSE_GRAINS = (*GRAINS, ("w", WEEK))

_WRITE_CHUNK = 5_000


def hour_floor(at: datetime) -> datetime:
    """The start of the UTC hour holding `at`."""
    return moment(bucket_start(at, HOUR))


def gap_hours(hour: int, previous: int | None) -> int:
    """Whole hours from the previous hour with a message to this one; 0 when there is none."""
    return 0 if previous is None else (hour - previous) // HOUR


@dataclass
class Deltas:
    """Increments to the rollup rows, keyed like the tables' primary keys."""

    hours: defaultdict[tuple[int, str], Counter] = field(default_factory=lambda: defaultdict(Counter))
    response: Counter = field(default_factory=Counter)  # (grain, start, user_type, bucket)
    topics: defaultdict[tuple, Counter] = field(default_factory=lambda: defaultdict(Counter))
    message_sessions: Counter = field(default_factory=Counter)  # (start, user_type, gap)
    topic_response: Counter = field(default_factory=Counter)  # (grain, start, user_type, topic, bucket)

    # --- what the write path reports ---------------------------------------------------------

    def session_started(
        self, at: datetime, user_type: str, *, active: bool = True, rating: int | None = None
    ):
        row = self.hours[(bucket_start(at, HOUR), user_type)]
        row["sessions"] += 1
        row["active"] += int(active)
        if rating is not None:
            row[f"rated_{rating}"] += 1

    def rating_changed(self, created: datetime, user_type: str, old: int | None, new: int) -> None:
        if old == new:
            return
        row = self.hours[(bucket_start(created, HOUR), user_type)]
        if old is not None:
            row[f"rated_{old}"] -= 1
        row[f"rated_{new}"] += 1

    def message(self, at: datetime, user_type: str, sender: str, ms: float | None) -> None:
        hour = bucket_start(at, HOUR)
        row = self.hours[(hour, user_type)]
        row[f"msg_{sender}"] += 1
        if sender == "assistant" and ms is not None:
            row["rt_count"] += 1
            row["rt_micros"] += micros(ms)
            b = histogram.bucket_of(ms)
            for grain, size in RESPONSE_GRAINS:
                self.response[(grain, bucket_start(at, size), user_type, b)] += 1

    def message_hour(self, hour: int, user_type: str, previous: int | None, following: int | None) -> None:
        """A session got its first message in `hour`; its nearest hours with messages around it."""
        self.message_sessions[(hour, user_type, gap_hours(hour, previous))] += 1
        if following is not None:
            self.message_sessions[(following, user_type, gap_hours(following, previous))] -= 1
            self.message_sessions[(following, user_type, gap_hours(following, hour))] += 1

    def session_hours(self, user_type: str, hours: Iterable[int]) -> None:
        """Every hour with messages of a new session (the bulk path)."""
        previous = None
        for hour in sorted(set(hours)):
            self.message_sessions[(hour, user_type, gap_hours(hour, previous))] += 1
            previous = hour

    def _topic_rows(self, created: datetime, user_type: str, topic: str) -> Iterator[Counter]:
        for grain, size in GRAINS:
            yield self.topics[(grain, bucket_start(created, size), user_type, topic)]

    def topic(self, created: datetime, user_type: str, topic: str, rating: int | None = None) -> None:
        """A session (rated `rating`, if it is) discussed a new topic."""
        for row in self._topic_rows(created, user_type, topic):
            row["sessions"] += 1
        self.topic_rating(created, user_type, topic, None, rating)

    def topic_rating(
        self, created: datetime, user_type: str, topic: str, old: int | None, new: int | None
    ) -> None:
        """The rating of a session that discussed `topic` went from `old` to `new` (None: unrated)."""
        if old == new:
            return
        for row in self._topic_rows(created, user_type, topic):
            row["rated"] += (new is not None) - (old is not None)
            row["rating_sum"] += (new or 0) - (old or 0)

    def session_closed(
        self, created: datetime, user_type: str, analytics: Mapping, times: Iterable[float] = ()
    ) -> None:
        """A session got its analytics row (a dict of chat_analytics' columns); `times` are the
        processing times of its assistant answers (needed only when it discussed topics)."""
        row = self.hours[(bucket_start(created, HOUR), user_type)]
        row["active"] -= 1
        for counter in ANALYTICS_COUNTERS:
            row[counter.name] += counter.of(analytics)
        topics = analytics["topics_discussed"]
        if not topics:
            return
        buckets = Counter(histogram.bucket_of(ms) for ms in times)
        for topic in topics:
            for row in self._topic_rows(created, user_type, topic):
                row["unresolved"] += int(unresolved(analytics))
                for counter in TOPIC_ANALYTICS_COUNTERS:
                    row[counter.name] += counter.of(analytics)
                row["messages"] += analytics["total_messages"]
                row["message_sessions"] += int(analytics["total_messages"] > 0)
            for grain, size in RESPONSE_GRAINS:
                start = bucket_start(created, size)
                for b, n in buckets.items():
                    self.topic_response[(grain, start, user_type, topic, b)] += n

    # --- writing them ---------------------------------------------------------------------------

    def flush(self, conn: Connection) -> None:
        """Add every increment to its rollup row (created when missing), then forget them."""
        _upsert(
            conn,
            rollup_hours,
            ("start", "user_type"),
            HOURLY_COUNTERS,
            [{"start": k[0], "user_type": k[1], **_full(c, HOURLY_COUNTERS)} for k, c in self.hours.items()],
        )
        _upsert(
            conn,
            rollup_response,
            ("grain", "start", "user_type", "bucket"),
            ("n",),
            [
                {"grain": g, "start": s, "user_type": u, "bucket": b, "n": n}
                for (g, s, u, b), n in self.response.items()
            ],
        )
        refresh_hour_p95(conn, {s for g, s, _, _ in self.response if g == "h"})
        _upsert(
            conn,
            rollup_topics,
            ("grain", "start", "user_type", "topic"),
            TOPIC_COUNTERS,
            [
                {"grain": g, "start": s, "user_type": u, "topic": t, **_full(c, TOPIC_COUNTERS)}
                for (g, s, u, t), c in self.topics.items()
            ],
        )
        _upsert(
            conn,
            rollup_topic_response,
            ("grain", "start", "user_type", "topic", "bucket"),
            ("n",),
            [
                {"grain": g, "start": s, "user_type": u, "topic": t, "bucket": b, "n": n}
                for (g, s, u, t, b), n in self.topic_response.items()
            ],
        )
        _upsert(
            conn,
            rollup_message_sessions,
            ("start", "user_type", "gap"),
            ("sessions",),
            [
                {"start": s, "user_type": u, "gap": g, "sessions": n}
                for (s, u, g), n in self.message_sessions.items()
            ],
        )
        self.hours.clear()
        self.response.clear()
        self.topics.clear()
        self.message_sessions.clear()
        self.topic_response.clear()


def refresh_hour_p95(conn: Connection, hours: Iterable[int]) -> None:
    """Rewrite rollup_hour_p95 for these UTC hours (epoch seconds) from their histograms as they
    now stand in this transaction: one row per user type with answers, and one for all of them."""
    from metrics.percentiles import from_histogram  # metrics reads data, not the other way round

    hours = sorted(hours)
    r = rollup_response.c
    stmt = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(rollup_hour_p95)
    replace = stmt.on_conflict_do_update(
        index_elements=["start", "user_type"], set_={"n": stmt.excluded.n, "p95": stmt.excluded.p95}
    )
    for i in range(0, len(hours), _WRITE_CHUNK):
        chunk = hours[i : i + _WRITE_CHUNK]
        # Each hour's all-types row taken first (created if new, locked until commit): two writers
        # of the same hour then read its histogram one after the other, and the later one reads the
        # earlier one's answers, whatever user types each wrote (PostgreSQL; SQLite has one writer).
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["start", "user_type"], set_={"n": rollup_hour_p95.c.n}
            ),
            [{"start": start, "user_type": ALL_TYPES, "n": 0, "p95": None} for start in chunk],
        )
        histograms: dict[tuple[int, str], Counter] = defaultdict(Counter)
        for start, user_type, b, n in conn.execute(
            select(r.start, r.user_type, r.bucket, r.n).where(r.grain == "h", r.start.in_(chunk))
        ):
            for key in ((int(start), user_type), (int(start), ALL_TYPES)):
                histograms[key][int(b)] += int(n)
        rows = [
            {
                "start": start,
                "user_type": user_type,
                "n": sum(h.values()),
                "p95": from_histogram(h, (95,))[95],
            }
            for (start, user_type), h in sorted(histograms.items())
        ]
        if rows:
            conn.execute(replace, rows)


def micros(ms: float) -> int:
    """A processing time in whole microseconds (truncated), as the rollups sum it."""
    return int(ms * 1000)


def _full(counter: Counter, names: Iterable[str]) -> dict[str, int]:
    return {name: counter.get(name, 0) for name in names}


@lru_cache(maxsize=16)
def _upsert_statement(dialect: str, table_name: str):
    """INSERT ... ON CONFLICT DO UPDATE adding the counters, built once per dialect and table."""
    table = next(t for t in ROLLUP_TABLES if t.name == table_name)
    keys = [c.name for c in table.primary_key.columns]
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return stmt.on_conflict_do_update(
        index_elements=keys,
        set_={c.name: c + stmt.excluded[c.name] for c in table.columns if c.name not in keys},
    )


def _upsert(
    conn: Connection, table, keys: tuple[str, ...], counters: Iterable[str], rows: list[dict]
) -> None:
    counters = tuple(counters)
    rows = [r for r in rows if any(r[c] for c in counters)]
    if not rows:
        return
    # Key order: concurrent writers lock the same rows in the same order and never deadlock.
    rows.sort(key=lambda r: tuple(r[k] for k in keys))
    stmt = _upsert_statement(conn.dialect.name, table.name)
    for i in range(0, len(rows), _WRITE_CHUNK):
        conn.execute(stmt, rows[i : i + _WRITE_CHUNK])


@contextmanager
def batched(conn: Connection) -> Iterator[Deltas]:
    """Collect the rollup increments of the writes inside; add them to the tables on a clean exit.

    Nested uses share the outermost batch. On an exception nothing is added: the caller's
    transaction is rolled back with the writes the increments described.
    """
    outer = conn.info.get(_PENDING)
    if outer is not None:
        yield outer
        return
    deltas = Deltas()
    conn.info[_PENDING] = deltas
    try:
        yield deltas
    finally:
        conn.info.pop(_PENDING, None)
    deltas.flush(conn)


# --- rebuilding from the base tables --------------------------------------------------------------


def rebuild(conn: Connection) -> dict[str, int]:
    """Replace every rollup row by what the base tables imply; return the row count per table."""
    for table in ROLLUP_TABLES:
        conn.execute(delete(table))
    deltas = Deltas()
    _rebuild_sessions(conn, deltas)
    _rebuild_messages(conn, deltas)
    _rebuild_topics(conn, deltas)
    deltas.flush(conn)
    return {
        t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in ROLLUP_TABLES
    }


def _rebuild_sessions(conn: Connection, deltas: Deltas) -> None:
    s, a = chat_sessions.c, chat_analytics.c
    hour = epoch_bucket(s.created_at, HOUR)
    rating_counts = [func.sum(case((s.satisfaction_rating == r, 1), else_=0)) for r in range(1, 6)]
    stmt = (
        select(
            hour,
            s.user_type,
            func.count(),
            func.sum(case((s.is_active, 1), else_=0)),
            *rating_counts,
            *sums_sql(),
        )
        .select_from(chat_sessions.outerjoin(chat_analytics, a.session_id == s.session_id))
        .group_by(hour, s.user_type)
    )
    for h, user_type, total, active, *rest in conn.execute(stmt):
        ratings, analytics = rest[:5], rest[5:]
        row = deltas.hours[(int(h) * HOUR, user_type)]
        row.update(sessions=total, active=active or 0)
        for r, n in enumerate(ratings, start=1):
            row[f"rated_{r}"] = n or 0
        for counter, n in zip(ANALYTICS_COUNTERS, analytics, strict=True):
            row[counter.name] = int(n)


def _rebuild_messages(conn: Connection, deltas: Deltas) -> None:
    m, s = chat_messages.c, chat_sessions.c
    joined = chat_messages.join(chat_sessions, s.session_id == m.session_id)
    hour = epoch_bucket(m.created_at, HOUR)
    for h, user_type, sender, n in conn.execute(
        select(hour, s.user_type, m.sender_type, func.count())
        .select_from(joined)
        .group_by(hour, s.user_type, m.sender_type)
    ):
        deltas.hours[(int(h) * HOUR, user_type)][f"msg_{sender}"] += n
    # Histogram buckets and microsecond sums in Python: the same functions as the write path.
    times = (
        select(m.created_at, s.user_type, m.processing_time_ms)
        .select_from(joined)
        .where(m.sender_type == "assistant", m.processing_time_ms.is_not(None))
    )
    for at, user_type, ms in conn.execute(times.execution_options(yield_per=20_000)):
        hour_start = bucket_start(at, HOUR)
        row = deltas.hours[(hour_start, user_type)]
        row["rt_count"] += 1
        row["rt_micros"] += micros(ms)
        b = histogram.bucket_of(ms)
        for grain, size in RESPONSE_GRAINS:
            deltas.response[(grain, bucket_start(at, size), user_type, b)] += 1
    # Each session's hours with messages, in order, give the gaps.
    hours = (
        select(m.session_id, s.user_type, hour)
        .select_from(joined)
        .group_by(m.session_id, s.user_type, hour)
        .order_by(m.session_id, hour)
    )
    current, user_type_of, collected = None, None, []
    for session_id, user_type, h in conn.execute(hours.execution_options(yield_per=20_000)):
        if session_id != current:
            if current is not None:
                deltas.session_hours(user_type_of, collected)
            current, user_type_of, collected = session_id, user_type, []
        collected.append(int(h) * HOUR)
    if current is not None:
        deltas.session_hours(user_type_of, collected)


def _rebuild_topics(conn: Connection, deltas: Deltas) -> None:
    s, t, m = chat_sessions.c, session_topics.c, chat_messages.c
    joined = topic_sessions_from()
    for grain, size in GRAINS:
        bucket = epoch_bucket(s.created_at, size)
        stmt = (
            select(bucket, s.user_type, t.topic, *topic_sums_sql())
            .select_from(joined)
            .group_by(bucket, s.user_type, t.topic)
        )
        for b, user_type, topic, *sums in conn.execute(stmt):
            row = deltas.topics[(grain, int(b) * size, user_type, topic)]
            for name, n in zip(TOPIC_COUNTERS, sums, strict=True):
                row[name] += int(n)
    # Histogram buckets in Python: the same function as the write path.
    times = select(s.created_at, s.user_type, t.topic, m.processing_time_ms).select_from(topic_answers_from())
    for created, user_type, topic, ms in conn.execute(times.execution_options(yield_per=20_000)):
        b = histogram.bucket_of(ms)
        for grain, size in RESPONSE_GRAINS:
            deltas.topic_response[(grain, bucket_start(created, size), user_type, topic, b)] += 1


def rollup_rows(conn: Connection) -> dict[str, set[tuple]]:
    """Every rollup row with a non-zero counter, per table (rows an increment brought to 0 left out)."""
    out = {}
    for table in ROLLUP_TABLES:
        keys = [c.name for c in table.primary_key.columns]
        counters = [c for c in table.columns if c.name not in keys]
        out[table.name] = {
            tuple(row) for row in conn.execute(select(table)) if any(row._mapping[c.name] for c in counters)
        }
    return out


def main(argv: list[str] | None = None) -> int:
    """`python -m data.rollups rebuild`: the `chat-analytics rollups` command; returns the exit code."""
    from commands.dataset import rollups as command
    from commands.startup import invoke

    return invoke(command, argv, "python -m data.rollups")


if __name__ == "__main__":
    sys.exit(main())
