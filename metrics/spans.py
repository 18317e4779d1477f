"""Reading a period fast: whole UTC days and hours from the rollup tables, the partial hours at the
ends from the base tables (data.cover splits the period). Every figure reads through here.

Session-based figures sit in the hour the session was created, message-based ones in the hour of
the message; data.rollups keeps the tables.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import Connection, Integer, Select, and_, bindparam, case, cast, func, literal, null, select

from data import histogram
from data.counters import ANALYTICS_COUNTERS, sums_sql
from data.cover import Cover, cover
from data.periods import Period
from data.schema import (
    HOURLY_COUNTERS,
    SENDER_TYPES,
    chat_analytics,
    chat_messages,
    chat_sessions,
    rollup_hours,
    rollup_response,
    session_topics,
)
from data.sqlfuncs import seconds_between


@dataclass(frozen=True)
class Segment:
    """Which sessions a figure counts: all, or those of a user type, that discussed any of some
    topics, that closed resolved (or not), escalated (or not), rated within a range, closed after
    lasting so long or with so many messages, given a cached answer (or none); all of them at once."""

    user_type: Selecting = None
    topics: tuple[str, ...] = ()
    resolved: bool | None = None  # closed with this outcome (open sessions have none)
    escalated: bool | None = None
    rating: tuple[int, int] | None = None  # satisfaction rating from, to (inclusive)
    duration: tuple[int, int | None] | None = None  # closed, lasting from (incl.) to (excl.) seconds
    messages: tuple[int, int | None] | None = None  # closed, with from-to messages (inclusive)
    cached: bool | None = None  # at least one cached answer (False: none)

    @property
    def rollups_answer(self) -> bool:
        """True when the rollup tables (kept per hour and user type) hold this segment's counts."""
        return replace(self, user_type=None) == Segment()

    @property
    def beyond_topics(self) -> Segment:
        """The segment's conditions other than user type and topics."""
        return replace(self, user_type=None, topics=())


Selecting = Segment | str | None  # a Segment, or only a user type


def segment_of(selecting: Selecting) -> Segment:
    """The segment a figure function was asked for (a bare string is a user type)."""
    if isinstance(selecting, Segment):
        return selecting
    return Segment(user_type=selecting or None)


def _topic_sessions(topics: tuple[str, ...]):
    """SELECT session_id of the sessions that discussed any of `topics` (each session once)."""
    return select(session_topics.c.session_id).where(session_topics.c.topic.in_(topics))


def _analytics_match(seg: Segment):
    """EXISTS: the session (of the outer chat_sessions row) closed with the segment's outcome and
    message count. Correlated, so each candidate session is one lookup in the analytics' unique
    index; `session_id IN (SELECT ...)` read every analytics row of the table first."""
    a = chat_analytics.alias("outcome").c
    conds = [a.session_id == chat_sessions.c.session_id]
    if seg.resolved is not None:
        conds.append(a.resolved.is_(seg.resolved))
    if seg.escalated is not None:
        conds.append(a.escalated_to_human.is_(seg.escalated))
    if seg.messages:
        low, high = seg.messages
        conds.append(a.total_messages >= low)
        if high is not None:
            conds.append(a.total_messages <= high)
    return select(literal(1)).where(*conds).correlate(chat_sessions).exists()


def _duration_between(low: int, high: int | None) -> list:
    """Conditions: the session closed, after lasting at least `low` and under `high` seconds."""
    s = chat_sessions.c
    seconds = seconds_between(s.created_at, s.closed_at)
    conds = [s.closed_at.is_not(None), seconds >= low]
    return conds + ([seconds < high] if high is not None else [])


def _cached_answer():
    """EXISTS: the session (of the outer chat_sessions row) was given a cached answer."""
    # An alias of its own: inside a query over chat_messages it must not correlate to that one.
    m = chat_messages.alias("cached_answers").c
    return (
        select(literal(1))
        # The bare column compiles as ix_chat_messages_cached's predicate (`= 1` on SQLite).
        .where(m.session_id == chat_sessions.c.session_id, m.is_cached_response)
        .correlate(chat_sessions)
        .exists()
    )


def segment_conditions(seg: Segment) -> list:
    """WHERE conditions on chat_sessions for the segment's topics, outcome, rating, duration,
    message count and cached answers."""
    conds = []
    if seg.topics:
        conds.append(chat_sessions.c.session_id.in_(_topic_sessions(seg.topics)))
    if seg.resolved is not None or seg.escalated is not None or seg.messages:
        conds.append(_analytics_match(seg))
    if seg.rating:
        conds.append(chat_sessions.c.satisfaction_rating.between(*seg.rating))
    if seg.duration:
        conds.append(and_(*_duration_between(*seg.duration)))
    if seg.cached is not None:
        conds.append(_cached_answer() if seg.cached else ~_cached_answer())
    return conds


def sessions_where(period: Period, selecting: Selecting) -> list:
    """WHERE conditions for sessions created in the period (and of the segment)."""
    seg = segment_of(selecting)
    conds = [chat_sessions.c.created_at >= period.start, chat_sessions.c.created_at < period.end]
    if seg.user_type:
        conds.append(chat_sessions.c.user_type == seg.user_type)
    return conds + segment_conditions(seg)


def messages_in(stmt: Select, period: Period, selecting: Selecting) -> Select:
    """Restrict a select over chat_messages to the period (and the sessions of the segment)."""
    seg = segment_of(selecting)
    user_type = seg.user_type
    stmt = stmt.where(chat_messages.c.created_at >= period.start, chat_messages.c.created_at < period.end)
    if seg.topics:
        stmt = stmt.where(chat_messages.c.session_id.in_(_topic_sessions(seg.topics)))
    if seg.beyond_topics != Segment():
        # A message in the period belongs to a session created before the period ends.
        stmt = stmt.where(
            chat_messages.c.session_id.in_(
                select(chat_sessions.c.session_id).where(
                    chat_sessions.c.created_at < period.end, *segment_conditions(seg.beyond_topics)
                )
            )
        )
    if user_type:
        # `user_type || ''` on purpose: no index on it, so the plan walks the messages' time range
        # and looks each session up. Given the bare column, SQLite walked every session of the type
        # (a third of the table) to find the few messages of a short span: 140 ms at 100k sessions.
        stmt = stmt.join(chat_sessions, chat_sessions.c.session_id == chat_messages.c.session_id).where(
            chat_sessions.c.user_type.concat("") == user_type
        )
    return stmt


def count_if(condition) -> object:
    """SQL: how many rows meet `condition` (0, not NULL, when none)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def within(period: Period, span: tuple[datetime, datetime]) -> Period:
    """The part `span` of `period` (same zone), as a period of its own."""
    return replace(period, start=span[0], end=span[1], preset=None)


def user_type_is(table, selecting: Selecting) -> list:
    """WHERE conditions on a rollup table's user type, when the segment has one."""
    user_type = segment_of(selecting).user_type
    return [table.c.user_type == user_type] if user_type else []


def cover_for(period: Period, selecting: Selecting, *, days: bool = False) -> Cover:
    """How to read the period for the segment: from the rollups and its edges, or, for segments
    the rollups do not hold (a topic), all of it from the base tables."""
    if not segment_of(selecting).rollups_answer:
        return Cover(edges=((period.start, period.end),) if period.start < period.end else (), hours=())
    return cover(period.start, period.end, days=days)


# Inside `one_read_per_period`: every rollup_hours counter's sum per (cover, user type), and every
# counter of a partial edge per (table, edge, segment), each read once.
_SHARED: ContextVar[dict | None] = ContextVar("period_reads", default=None)


@contextmanager
def one_read_per_period() -> Iterator[None]:
    """Within the block (several figures of one period on one connection), rollup_hours is read once
    per cover and user type, and each partial edge once per table (sessions, messages), every
    counter in one statement, instead of once per figure."""
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def _shared_read(key: tuple, read: Callable[[], dict]) -> dict:
    """`read()`, or what it gave for `key` earlier in the same `one_read_per_period` block."""
    shared = _SHARED.get()
    if shared is None:
        return read()
    if key not in shared:
        shared[key] = read()
    return shared[key]


def hour_sums(conn: Connection, spans: Cover, user_type: Selecting, *names: str) -> list[int]:
    """Sums of rollup_hours counters over the cover's whole hours."""
    if not spans.hours:
        return [0] * len(names)
    wanted = HOURLY_COUNTERS if _SHARED.get() is not None else names

    def read() -> dict:
        row = conn.execute(
            select(*(func.coalesce(func.sum(rollup_hours.c[n]), 0) for n in wanted)).where(
                spans.where(rollup_hours), *user_type_is(rollup_hours, user_type)
            )
        ).one()
        return dict(zip(wanted, (int(v) for v in row), strict=True))

    sums = _shared_read(("hours", spans, segment_of(user_type).user_type), read)
    return [sums[n] for n in names]


# A period whose bounds are bound when a statement runs: the edges' statements are built once per
# segment and reused (SQLAlchemy statements are immutable, so threads share them safely; what is
# cached is the query's shape, never a user's values).
EDGE = Period(bindparam("edge_start"), bindparam("edge_end"), UTC)


def edge_bounds(part: Period) -> dict[str, datetime]:
    """The values of EDGE's bounds for `part`."""
    return {"edge_start": part.start, "edge_end": part.end}


def _session_columns() -> dict[str, object]:
    """The rollup_hours counters a partial edge reads from chat_sessions (with its analytics row),
    each with its SQL; names and columns declared together so that they cannot drift apart."""
    s = chat_sessions.c
    return {
        "sessions": func.count(),
        "active": count_if(s.is_active),
        **{f"rated_{r}": count_if(s.satisfaction_rating == r) for r in range(1, 6)},
        **dict(zip((c.name for c in ANALYTICS_COUNTERS), sums_sql(), strict=True)),
    }


SESSION_COUNTERS = tuple(_session_columns())
# ... and from chat_messages; the response-time counters come with the edge's histogram instead.
MESSAGE_COUNTERS = tuple(f"msg_{s}" for s in SENDER_TYPES)


@lru_cache(maxsize=128)
def _edge_sessions_statement(segment: Segment) -> Select:
    s = chat_sessions.c
    return (
        select(*_session_columns().values())
        .select_from(chat_sessions.outerjoin(chat_analytics, chat_analytics.c.session_id == s.session_id))
        .where(*sessions_where(EDGE, segment))
    )


def edge_sessions(conn: Connection, part: Period, segment: Selecting) -> dict[str, int]:
    """Every session-side counter over the sessions created in `part` (a partial edge), in one
    statement, read once per `one_read_per_period` block."""
    seg = segment_of(segment)

    def read() -> dict[str, int]:
        row = conn.execute(_edge_sessions_statement(seg), edge_bounds(part)).one()
        return dict(zip(SESSION_COUNTERS, (int(v or 0) for v in row), strict=True))

    return _shared_read(("sessions", part.start, part.end, seg), read)


@lru_cache(maxsize=128)
def _edge_messages_statement(segment: Segment) -> Select:
    m = chat_messages.c
    # NULL without a processing time (SQLite's ln() is ours, in Python, and refuses NULL).
    bucket = case((m.processing_time_ms.is_(None), null()), else_=histogram_bucket(m.processing_time_ms))
    return messages_in(
        select(m.sender_type, bucket, func.count(), func.sum(m.processing_time_ms)).select_from(
            chat_messages
        ),
        EDGE,
        segment,
    ).group_by(m.sender_type, bucket)


def edge_messages(conn: Connection, part: Period, segment: Selecting) -> dict:
    """The messages created in `part` (a partial edge) in one statement, read once per
    `one_read_per_period` block: {"msg_<sender>": n, "answers": [count, sum of ms, {histogram
    bucket: n}]} (answers: assistant messages with a processing time)."""
    seg = segment_of(segment)

    def read() -> dict:
        out: dict = dict.fromkeys(MESSAGE_COUNTERS, 0)
        answers: list = [0, 0.0, {}]
        for sender, b, n, total in conn.execute(_edge_messages_statement(seg), edge_bounds(part)):
            out[f"msg_{sender}"] += int(n)
            if sender == "assistant" and b is not None:
                _add_answers(answers, int(n), float(total), int(b))
        out["answers"] = answers
        return out

    return _shared_read(("messages", part.start, part.end, seg), read)


def _add_answers(entry: list, n: int, total: float, bucket: int) -> None:
    """Add `n` answers taking `total` ms, all in histogram `bucket`, to a [count, sum, {bucket: n}]."""
    entry[0] += n
    entry[1] += total
    entry[2][bucket] = entry[2].get(bucket, 0) + n


def edge_sums(conn: Connection, part: Period, segment: Selecting, counters: Sequence[str]) -> list[int]:
    """rollup_hours counters computed from the base tables over `part` (a partial edge)."""
    out: dict = {}
    if any(c in SESSION_COUNTERS for c in counters):
        out.update(edge_sessions(conn, part, segment))
    if any(c in MESSAGE_COUNTERS for c in counters):
        out.update(edge_messages(conn, part, segment))
    return [out[c] for c in counters]


def period_sums(conn: Connection, period: Period, segment: Selecting, counters: Sequence[str]) -> list[int]:
    """Each rollup_hours counter summed over the period: whole hours from the rollup, the partial
    edges from the base tables."""
    spans = cover_for(period, segment)
    totals = list(hour_sums(conn, spans, segment, *counters))
    for span in spans.edges:
        totals = [
            t + v
            for t, v in zip(totals, edge_sums(conn, within(period, span), segment, counters), strict=True)
        ]
    return totals


def grouped_sums(
    conn: Connection,
    period: Period,
    segment: Selecting,
    rollup_query: Callable[[Cover], Select | None],
    edge_query: Callable[[Period], Select],
    *,
    days: bool = False,
) -> Counter:
    """{key: n} summed over the period: `rollup_query(cover)` over the rollup rows and
    `edge_query(part)` over each partial edge, both selecting (key, n) rows."""
    spans = cover_for(period, segment, days=days)
    counts: Counter = Counter()
    statements = [rollup_query(spans)] if spans.hours or spans.days else []
    statements += [edge_query(within(period, span)) for span in spans.edges]
    for stmt in statements:
        for key, n in conn.execute(stmt):
            counts[key] += n
    return counts


def response_histogram(conn: Connection, spans: Cover, user_type: Selecting, key=None) -> dict:
    """Response-time histogram of the cover's hours and days, {bucket: n} (or {key: {bucket: n}})."""
    if not (spans.hours or spans.days):
        return {}
    r = rollup_response.c
    columns = [r.bucket] if key is None else [key(rollup_response), r.bucket]
    # Totals may take whole weeks from week rows; a series keyed by day or hour may not.
    rows_in = spans.where_weeks(rollup_response) if key is None else spans.where(rollup_response)
    rows = conn.execute(
        select(*columns, func.sum(r.n))
        .where(rows_in, *user_type_is(rollup_response, user_type))
        .group_by(*columns)
    ).all()
    if key is None:
        return {int(b): int(n) for b, n in rows}
    out: dict[int, dict[int, int]] = {}
    for k, b, n in rows:
        out.setdefault(int(k), {})[int(b)] = int(n)
    return out


def histogram_bucket(ms):
    """SQL: the data.histogram bucket of a processing-time expression."""
    return case(
        (ms <= 0, literal(histogram.ZERO_BUCKET)),
        else_=cast(func.floor(func.ln(ms) / literal(histogram.LOG_RATIO)), Integer),
    )


def edge_response_stats(
    conn: Connection, period: Period, spans: Cover, user_type: Selecting, key=None
) -> dict[int | None, list]:
    """{key: [count, sum, {bucket: n}]} of the assistant answers in the cover's edges, bucketed in
    SQL; `key` (SQL of a timestamp column) groups them, else everything is under None."""
    if key is None:
        total: list = [0, 0.0, {}]
        for span in spans.edges:
            count, ms_sum, hist = edge_messages(conn, within(period, span), user_type)["answers"]
            total[0] += count
            total[1] += ms_sum
            total[2] = dict(Counter(total[2]) + Counter(hist))
        return {None: total} if total[0] else {}
    ms = chat_messages.c.processing_time_ms
    bucket = histogram_bucket(ms).label("bucket")
    columns = [key(chat_messages.c.created_at).label("key"), bucket]
    out: dict[int | None, list] = {}
    for span in spans.edges:
        stmt = messages_in(
            select(*columns, func.count(), func.sum(ms)).where(
                chat_messages.c.sender_type == "assistant", ms.is_not(None)
            ),
            within(period, span),
            user_type,
        ).group_by(*columns)
        for k, b, n, total in conn.execute(stmt):
            _add_answers(out.setdefault(int(k), [0, 0.0, {}]), int(n), float(total), int(b))
    return out


def assistant_times(period: Period, user_type: Selecting) -> Select:
    """SELECT ms: the processing times of the period's assistant answers (nulls left out)."""
    return messages_in(
        select(chat_messages.c.processing_time_ms.label("ms")).where(
            chat_messages.c.sender_type == "assistant", chat_messages.c.processing_time_ms.is_not(None)
        ),
        period,
        user_type,
    )
