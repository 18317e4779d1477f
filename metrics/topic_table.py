"""The topic explorer's table: one row per topic discussed in the period, with its volume, change,
outcomes, satisfaction, response times and daily volume.

A row counts the sessions created in the period that discussed the topic (a session with several
topics counts in each). Outcomes, messages and response times count those of them that are closed,
whose analytics row is final, as the resolution rate does; ratings count whenever they are set.
Whole hours and days come from rollup_topics and rollup_topic_response (data.rollups keeps them),
the partial hours at the ends from the base tables (metrics.spans).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from data.cover import DAY, HOUR, Cover
from data.periods import Period
from data.schema import (
    TOPIC_COUNTERS,
    chat_messages,
    chat_sessions,
    rollup_topic_response,
    rollup_topics,
    session_topics,
)
from data.sqlfuncs import epoch_bucket
from data.topic_counters import topic_answers_from, topic_sessions_from, topic_sums_sql
from metrics import percentiles as pct
from metrics.change import Change, change
from metrics.counts import session_counts
from metrics.localtime import bucket_seconds, local_bucket, local_key, offset_changes
from metrics.spans import Selecting, cover_for, histogram_bucket, sessions_where, user_type_is, within
from metrics.topics import topic_counts

# Topics with fewer sessions than this are marked, and ranked after the others by need: a rate
# over a handful of sessions says little.
SMALL_SAMPLE = 20
PERCENTILES = (50, 95)


def _rate(part: int, whole: int) -> float | None:
    return part / whole * 100 if whole else None


@dataclass(frozen=True)
class TopicRow:
    """One topic's figures for the period (counts as summed; rates and averages derived)."""

    topic: str
    sessions: int
    share: float | None  # % of the period's sessions; a session with several topics counts in each
    previous_sessions: int  # in the previous period of the same length
    analysed: int  # closed sessions
    resolved: int
    escalated: int
    rating_count: int
    rating_sum: int
    messages: int  # of the closed sessions
    message_sessions: int  # closed sessions with at least one message
    response_count: int  # assistant answers with a processing time, of the closed sessions
    p50_response_time_ms: float | None
    p95_response_time_ms: float | None
    daily: tuple[int, ...]  # sessions per local day (per hour for one-day periods)

    @property
    def change(self) -> Change | None:
        """Sessions against the previous period (percent; None when it had none)."""
        return change(self.sessions, self.previous_sessions)

    @property
    def resolution_rate(self) -> float | None:
        return _rate(self.resolved, self.analysed)

    @property
    def escalation_rate(self) -> float | None:
        return _rate(self.escalated, self.analysed)

    @property
    def avg_satisfaction(self) -> float | None:
        return self.rating_sum / self.rating_count if self.rating_count else None

    @property
    def messages_per_session(self) -> float | None:
        return self.messages / self.message_sessions if self.message_sessions else None

    @property
    def unresolved_volume(self) -> float | None:
        """sessions × (1 − resolution rate): the sessions the topic leaves unresolved, at its rate."""
        if not self.analysed:
            return None
        # The same product, computed so that equal volumes compare equal (no 1 - 0.9 rounding).
        return self.sessions * (self.analysed - self.resolved) / self.analysed

    @property
    def small_sample(self) -> bool:
        return self.sessions < SMALL_SAMPLE


@dataclass(frozen=True)
class TopicTable:
    """The rows of a period (most sessions first), its session count and the sparkline buckets."""

    period: Period
    total_sessions: int
    buckets: tuple[datetime, ...]  # local start of each sparkline bucket
    rows: tuple[TopicRow, ...]


@dataclass(frozen=True)
class Ordering:
    """A way to rank the rows: by a value (missing values last, ties by topic name)."""

    key: str
    label: str
    value: Callable[[TopicRow], float | str | None]
    descending: bool  # the direction it starts in
    by_need: bool = False  # small-sample rows after the others


ORDERINGS: dict[str, Ordering] = {
    o.key: o
    for o in (
        Ordering("attention", "Needs attention", lambda r: r.unresolved_volume, True, True),
        Ordering("escalations", "Most escalations", lambda r: r.escalated, True, True),
        Ordering("topic", "Topic", lambda r: r.topic.casefold(), False),
        Ordering("sessions", "Sessions", lambda r: r.sessions, True),
        Ordering("share", "Share", lambda r: r.share, True),
        Ordering("change", "Change", lambda r: r.change.percent if r.change else None, True),
        Ordering("resolution_rate", "Resolution rate", lambda r: r.resolution_rate, False),
        Ordering("escalation_rate", "Escalation rate", lambda r: r.escalation_rate, True),
        Ordering("avg_satisfaction", "Avg satisfaction", lambda r: r.avg_satisfaction, False),
        Ordering("p50_response_time", "Median response time", lambda r: r.p50_response_time_ms, True),
        Ordering("p95_response_time", "p95 response time", lambda r: r.p95_response_time_ms, True),
        Ordering("messages_per_session", "Messages per session", lambda r: r.messages_per_session, True),
    )
}
DEFAULT_ORDERING = "attention"


def ordered(rows: Sequence[TopicRow], key: str, descending: bool | None = None) -> list[TopicRow]:
    """`rows` ranked by ORDERINGS[key] (in its own direction unless `descending` says), rows without
    a value last, ties by topic name; orderings by need put small-sample rows after the others."""
    how = ORDERINGS[key]
    descending = how.descending if descending is None else descending
    by_name = sorted(rows, key=lambda r: r.topic)
    present = [r for r in by_name if how.value(r) is not None]
    # Python's sort is stable, reversed too: equal values keep the topic-name order.
    ranked = sorted(present, key=how.value, reverse=descending)
    ranked += [r for r in by_name if how.value(r) is None]
    if how.by_need:
        ranked.sort(key=lambda r: r.small_sample)
    return ranked


def topic_table(conn: Connection, period: Period, segment: Selecting = None) -> TopicTable:
    """Every topic discussed by the period's sessions (of the segment), with its figures."""
    sums = _sums(conn, period, segment)
    histograms = _histograms(conn, period, segment)
    previous = {tc.topic: tc.count for tc in topic_counts(conn, period.previous(), segment, limit=None)}
    total = session_counts(conn, period, segment).total
    keys, buckets = _bucket_keys(period)
    daily = _daily(conn, period, segment)
    rows = []
    for topic, values in sums.items():
        c = dict(zip(TOPIC_COUNTERS, values, strict=True))
        if not c["sessions"]:
            continue
        hist = histograms.get(topic, {})
        p = pct.from_histogram(hist, PERCENTILES)
        rows.append(
            TopicRow(
                topic=topic,
                sessions=c["sessions"],
                share=_rate(c["sessions"], total),
                previous_sessions=previous.get(topic, 0),
                analysed=c["analysed"],
                resolved=c["resolved"],
                escalated=c["escalated"],
                rating_count=c["rated"],
                rating_sum=c["rating_sum"],
                messages=c["messages"],
                message_sessions=c["message_sessions"],
                response_count=sum(hist.values()),
                p50_response_time_ms=p[50],
                p95_response_time_ms=p[95],
                daily=tuple(daily.get(topic, {}).get(k, 0) for k in keys),
            )
        )
    rows.sort(key=lambda r: (-r.sessions, r.topic))
    return TopicTable(period, total, buckets, tuple(rows))


def _sums(conn: Connection, period: Period, segment: Selecting) -> dict[str, list[int]]:
    """{topic: rollup_topics' counters summed over the period}."""
    t = rollup_topics.c
    spans = cover_for(period, segment, days=True)
    statements = []
    if spans.hours or spans.days:
        statements.append(
            select(t.topic, *(func.sum(t[name]) for name in TOPIC_COUNTERS))
            .where(spans.where(rollup_topics), *user_type_is(rollup_topics, segment))
            .group_by(t.topic)
        )
    for span in spans.edges:
        statements.append(
            select(session_topics.c.topic, *topic_sums_sql())
            .select_from(topic_sessions_from())
            .where(*sessions_where(within(period, span), segment))
            .group_by(session_topics.c.topic)
        )
    out: dict[str, list[int]] = defaultdict(lambda: [0] * len(TOPIC_COUNTERS))
    for stmt in statements:
        for topic, *values in conn.execute(stmt):
            row = out[topic]
            for i, v in enumerate(values):
                row[i] += int(v or 0)
    return out


def _histograms(conn: Connection, period: Period, segment: Selecting) -> dict[str, dict[int, int]]:
    """{topic: {histogram bucket: answers}} of the closed sessions of the period."""
    r = rollup_topic_response.c
    spans = cover_for(period, segment, days=True)
    statements = []
    if spans.hours or spans.days:
        statements.append(
            select(r.topic, r.bucket, func.sum(r.n))
            .where(spans.where_weeks(rollup_topic_response), *user_type_is(rollup_topic_response, segment))
            .group_by(r.topic, r.bucket)
        )
    for span in spans.edges:
        bucket = histogram_bucket(chat_messages.c.processing_time_ms)
        statements.append(
            select(session_topics.c.topic, bucket, func.count())
            .select_from(topic_answers_from())
            .where(*sessions_where(within(period, span), segment))
            .group_by(session_topics.c.topic, bucket)
        )
    out: dict[str, dict[int, int]] = defaultdict(dict)
    for stmt in statements:
        for topic, b, n in conn.execute(stmt):
            out[topic][int(b)] = out[topic].get(int(b), 0) + int(n)
    return out


def _bucket_size(period: Period) -> int:
    return HOUR if period.hourly else DAY


def _bucket_keys(period: Period) -> tuple[list[int], tuple[datetime, ...]]:
    """The sparkline's buckets: their keys (as local_bucket numbers them) and local starts."""
    size = _bucket_size(period)
    keys, starts = [], []
    for b in period.buckets():
        local = b.start.astimezone(period.tz)
        keys.append(local_key(local, size))
        starts.append(local)
    return keys, tuple(starts)


def _daily(conn: Connection, period: Period, segment: Selecting) -> dict[str, dict[int, int]]:
    """{topic: {local bucket: sessions}}: hour rows regrouped into local days (or hours) in SQL."""
    size = _bucket_size(period)
    t = rollup_topics.c
    if not period.hourly and all(offset == 0 for _, offset in offset_changes(period)):
        spans = cover_for(period, segment, days=True)  # local days are UTC days: day rows serve
    elif bucket_seconds(period) == HOUR:
        spans = cover_for(period, segment)
    else:  # a zone a half or quarter hour off UTC: hour rows straddle its days
        spans = Cover(edges=((period.start, period.end),) if period.start < period.end else (), hours=())
    statements = []
    if spans.hours or spans.days:
        key = local_bucket(t.start, period, size)
        statements.append(
            select(t.topic, key, func.sum(t.sessions))
            .where(spans.where(rollup_topics), *user_type_is(rollup_topics, segment))
            .group_by(t.topic, key)
        )
    for span in spans.edges:
        key = local_bucket(epoch_bucket(chat_sessions.c.created_at, 1), period, size)
        statements.append(
            select(session_topics.c.topic, key, func.count())
            .select_from(
                session_topics.join(chat_sessions, chat_sessions.c.session_id == session_topics.c.session_id)
            )
            .where(*sessions_where(within(period, span), segment))
            .group_by(session_topics.c.topic, key)
        )
    out: dict[str, dict[int, int]] = defaultdict(dict)
    for stmt in statements:
        for topic, k, n in conn.execute(stmt):
            out[topic][int(k)] = out[topic].get(int(k), 0) + int(n)
    return out
