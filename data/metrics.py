"""Every metric of CONTRACT.md section 2: the one implementation the dashboard, API, exports and
report call. Aggregation runs in SQL; only small results (at most one row per hour) reach pandas.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import Connection, Integer, Select, case, cast, exists, func, literal, or_, select

from data import histogram
from data.cover import HOUR, Cover, cover, epoch, moment
from data.periods import Period
from data.schema import (
    SENDER_TYPES,
    SESSION_USER_TYPES,
    chat_analytics,
    chat_messages,
    chat_sessions,
    rollup_hours,
    rollup_message_sessions,
    rollup_response,
    rollup_topics,
    session_topics,
)
from data.sqlfuncs import epoch_bucket

PERCENTILES = (50, 90, 95, 99)
TOP_TOPICS_LIMIT = 10
# Up to this many response times, percentiles are exact (one indexed window query); beyond it they
# come from the rollups' histograms, within data.histogram.MAX_RELATIVE_ERROR (< 2%).
EXACT_PERCENTILE_LIMIT = 10_000


# --- filters -------------------------------------------------------------------------------------


def sessions_where(period: Period, user_type: str | None) -> list:
    """WHERE conditions for sessions created in the period (and of the user type, when given)."""
    conds = [chat_sessions.c.created_at >= period.start, chat_sessions.c.created_at < period.end]
    if user_type:
        conds.append(chat_sessions.c.user_type == user_type)
    return conds


def _messages_in(stmt: Select, period: Period, user_type: str | None) -> Select:
    """Restrict a select over chat_messages to the period (and the sessions' user type)."""
    stmt = stmt.where(chat_messages.c.created_at >= period.start, chat_messages.c.created_at < period.end)
    if user_type:
        # `user_type || ''` on purpose: no index on it, so the plan walks the messages' time range
        # and looks each session up. Given the bare column, SQLite walked every session of the type
        # (a third of the table) to find the few messages of a short span: 140 ms at 100k sessions.
        stmt = stmt.join(chat_sessions, chat_sessions.c.session_id == chat_messages.c.session_id).where(
            chat_sessions.c.user_type.concat("") == user_type
        )
    return stmt


def _count_if(condition) -> object:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# --- rollups: whole hours (and days) from the rollup tables, the edges from the base tables -------
# Sessions-based figures sit in the hour the session was created, message-based ones in the hour
# of the message; see data.rollups for how the tables are kept.


def _within(period: Period, span: tuple[datetime, datetime]) -> Period:
    return replace(period, start=span[0], end=span[1], preset=None)


def _user_type_is(table, user_type: str | None) -> list:
    return [table.c.user_type == user_type] if user_type else []


def _hour_sums(conn: Connection, spans: Cover, user_type: str | None, *names: str) -> list[int]:
    """Sums of rollup_hours counters over the cover's whole hours."""
    if not spans.hours:
        return [0] * len(names)
    row = conn.execute(
        select(*(func.coalesce(func.sum(rollup_hours.c[n]), 0) for n in names)).where(
            spans.where(rollup_hours), *_user_type_is(rollup_hours, user_type)
        )
    ).one()
    return [int(v) for v in row]


def _histogram(conn: Connection, spans: Cover, user_type: str | None, key=None) -> dict:
    """Response-time histogram of the cover's hours and days, {bucket: n} (or {key: {bucket: n}})."""
    if not (spans.hours or spans.days):
        return {}
    r = rollup_response.c
    columns = [r.bucket] if key is None else [key(rollup_response), r.bucket]
    rows = conn.execute(
        select(*columns, func.sum(r.n))
        .where(spans.where(rollup_response), *_user_type_is(rollup_response, user_type))
        .group_by(*columns)
    ).all()
    if key is None:
        return {int(b): int(n) for b, n in rows}
    out: dict[int, dict[int, int]] = {}
    for k, b, n in rows:
        out.setdefault(int(k), {})[int(b)] = int(n)
    return out


def _edge_stats(
    conn: Connection, period: Period, spans: Cover, user_type: str | None, key=None
) -> dict[int | None, list]:
    """{key: [count, sum, {bucket: n}]} of the assistant answers in the cover's edges, bucketed in
    SQL; `key` (SQL of a timestamp column) groups them, else everything is under None."""
    ms = chat_messages.c.processing_time_ms
    bucket = case(
        (ms <= 0, literal(histogram.ZERO_BUCKET)),
        else_=cast(func.floor(func.ln(ms) / literal(histogram.LOG_RATIO)), Integer),
    ).label("bucket")
    columns = [bucket] if key is None else [key(chat_messages.c.created_at).label("key"), bucket]
    out: dict[int | None, list] = {}
    for span in spans.edges:
        stmt = _messages_in(
            select(*columns, func.count(), func.sum(ms)).where(
                chat_messages.c.sender_type == "assistant", ms.is_not(None)
            ),
            _within(period, span),
            user_type,
        ).group_by(*columns)
        for *k, b, n, total in conn.execute(stmt):
            entry = out.setdefault(int(k[0]) if k else None, [0, 0.0, {}])
            entry[0] += int(n)
            entry[1] += float(total)
            entry[2][int(b)] = entry[2].get(int(b), 0) + int(n)
    return out


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionCounts:
    total: int
    active: int
    closed: int


@dataclass(frozen=True)
class MessageCounts:
    total: int
    by_sender: dict[str, int]
    sessions_with_messages: int

    @property
    def per_session(self) -> float | None:
        """Messages in the period per session that has at least one message in it."""
        return self.total / self.sessions_with_messages if self.sessions_with_messages else None


@dataclass(frozen=True)
class ResponseTimes:
    count: int
    average: float | None
    percentiles: dict[int, float | None] = field(default_factory=dict)

    def p(self, q: int) -> float | None:
        return self.percentiles.get(q)


@dataclass(frozen=True)
class Satisfaction:
    average: float | None
    count: int
    distribution: dict[int, int]


@dataclass(frozen=True)
class Outcomes:
    analysed: int
    resolution_rate: float | None
    escalation_rate: float | None
    average_engagement: float | None


@dataclass(frozen=True)
class TopicCount:
    topic: str
    count: int


# --- metrics ------------------------------------------------------------------------------------


def active_sessions(conn: Connection, user_type: str | None = None) -> int:
    """Sessions open right now, whatever the period (the real-time figure)."""
    stmt = select(func.count()).select_from(chat_sessions).where(chat_sessions.c.is_active)
    if user_type:
        stmt = stmt.where(chat_sessions.c.user_type == user_type)
    return int(conn.execute(stmt).scalar_one())


def session_counts(conn: Connection, period: Period, user_type: str | None = None) -> SessionCounts:
    """Sessions created in the period: total, still active, closed."""
    spans = cover(period.start, period.end)
    total, active = _hour_sums(conn, spans, user_type, "sessions", "active")
    for span in spans.edges:
        row = conn.execute(
            select(func.count(), _count_if(chat_sessions.c.is_active)).where(
                *sessions_where(_within(period, span), user_type)
            )
        ).one()
        total, active = total + int(row[0]), active + int(row[1])
    return SessionCounts(total=total, active=active, closed=total - active)


def message_counts(conn: Connection, period: Period, user_type: str | None = None) -> MessageCounts:
    """Messages created in the period, by sender type, and how many sessions they belong to."""
    spans = cover(period.start, period.end)
    by_sender = dict(
        zip(
            SENDER_TYPES, _hour_sums(conn, spans, user_type, *(f"msg_{s}" for s in SENDER_TYPES)), strict=True
        )
    )
    for span in spans.edges:
        row = conn.execute(
            _messages_in(
                select(*(_count_if(chat_messages.c.sender_type == s) for s in SENDER_TYPES)).select_from(
                    chat_messages
                ),
                _within(period, span),
                user_type,
            )
        ).one()
        for s, v in zip(SENDER_TYPES, row, strict=True):
            by_sender[s] += int(v)
    return MessageCounts(
        total=sum(by_sender.values()),
        sessions_with_messages=_sessions_with_messages(conn, period, spans, user_type),
        by_sender=by_sender,
    )


def _sessions_with_messages(conn: Connection, period: Period, spans: Cover, user_type: str | None) -> int:
    """Sessions with at least one message in the period: whole hours from rollup_message_sessions
    (a session counts in the first of those hours where it has messages), plus the sessions seen
    only in the partial hours at the ends (no message in the whole hours, nor, for the last edge,
    in the first)."""
    first = spans.first_hour
    total = 0
    if first is not None:
        r = rollup_message_sessions.c
        total = conn.execute(
            select(func.coalesce(func.sum(r.sessions), 0)).where(
                spans.where(rollup_message_sessions),
                or_(r.gap == 0, r.start - r.gap * HOUR < first),
                *_user_type_is(rollup_message_sessions, user_type),
            )
        ).scalar_one()
    m = chat_messages.c
    other = chat_messages.alias("other")
    for lo, hi in spans.edges:
        # Distinct sessions first: one index probe per session, not per message (~10x fewer).
        ids = _messages_in(select(m.session_id), _within(period, (lo, hi)), user_type).distinct().subquery()
        stmt = select(func.count()).select_from(ids)
        if first is not None:
            # Counted already: sessions with messages in the whole hours or in an earlier edge.
            counted_from = moment(first) if lo < moment(first) else period.start
            stmt = stmt.where(
                ~exists().where(
                    other.c.session_id == ids.c.session_id,
                    other.c.created_at >= counted_from,
                    other.c.created_at < moment(spans.end_hour),
                )
            )
        total += conn.execute(stmt).scalar_one()
    return int(total)


def _assistant_times(period: Period, user_type: str | None) -> Select:
    return _messages_in(
        select(chat_messages.c.processing_time_ms.label("ms")).where(
            chat_messages.c.sender_type == "assistant", chat_messages.c.processing_time_ms.is_not(None)
        ),
        period,
        user_type,
    )


def response_times(
    conn: Connection, period: Period, user_type: str | None = None, percentiles: tuple[int, ...] = PERCENTILES
) -> ResponseTimes:
    """Mean and percentiles (numpy's linear interpolation) of assistant processing times: exact up
    to EXACT_PERCENTILE_LIMIT answers, from the rollups' histograms (within 2%) beyond."""
    spans = cover(period.start, period.end)
    count, micros = _hour_sums(conn, spans, user_type, "rt_count", "rt_micros")
    edge_count, edge_sum, edge_hist = _edge_stats(conn, period, spans, user_type).get(None, (0, 0.0, {}))
    count += edge_count
    if count <= EXACT_PERCENTILE_LIMIT:
        return _exact_response_times(conn, period, user_type, percentiles)
    hist = _histogram(conn, cover(period.start, period.end, days=True), user_type)
    for b, n in edge_hist.items():
        hist[b] = hist.get(b, 0) + n
    average = (micros / 1000 + edge_sum) / count
    return ResponseTimes(count, average, histogram.percentiles(hist, percentiles))


def _exact_response_times(
    conn: Connection, period: Period, user_type: str | None, percentiles: tuple[int, ...]
) -> ResponseTimes:
    times = _assistant_times(period, user_type).subquery()
    count, average = conn.execute(select(func.count(), func.avg(times.c.ms))).one()
    count = int(count)
    if count == 0:
        return ResponseTimes(0, None, {q: None for q in percentiles})
    # Only the order statistics that the interpolation needs come back: one sort, a few rows.
    ranks: dict[int, tuple[int, int, float]] = {}
    for q in percentiles:
        k = (count - 1) * q / 100
        lo = math.floor(k)
        ranks[q] = (lo, min(lo + 1, count - 1), k - lo)
    wanted = sorted({r for lo, hi, _ in ranks.values() for r in (lo, hi)})
    ordered = select(
        times.c.ms, (func.row_number().over(order_by=times.c.ms) - literal(1)).label("rank")
    ).subquery()
    values = dict(
        (int(r), float(v))
        for v, r in conn.execute(select(ordered.c.ms, ordered.c.rank).where(ordered.c.rank.in_(wanted)))
    )
    result = {q: values[lo] + (values[hi] - values[lo]) * frac for q, (lo, hi, frac) in ranks.items()}
    return ResponseTimes(count, float(average), result)


def _offset_changes(period: Period) -> list[tuple[datetime, int]]:
    """The display zone's UTC offset (seconds) at the period's start, then at each change within it."""

    def offset_at(moment: datetime) -> int:
        return int(moment.astimezone(period.tz).utcoffset().total_seconds())

    changes = [(period.start, offset_at(period.start))]
    day = period.start
    # Day steps, then quarter-hours inside a day whose offset changed (zones change on the hour or
    # a quarter past, at most twice a year: a 90-day period costs ~90 conversions, not ~2,000).
    while day < period.end:
        next_day = min(day + timedelta(days=1), period.end)
        if offset_at(next_day) != changes[-1][1]:
            edge = datetime.fromtimestamp(epoch(day) // 900 * 900, UTC)  # on the quarter-hour grid
            while edge < next_day:
                edge += timedelta(minutes=15)
                offset = offset_at(edge)
                if offset != changes[-1][1]:
                    changes.append((edge, offset))
        day = next_day
    return changes


def _local_bucket(seconds, period: Period, size: int):
    """SQL: the local hour or day (seconds since epoch in local time // size) of an epoch-seconds
    expression (a rollup's `start`, or `epoch_bucket(created_at, 1)`)."""
    changes = _offset_changes(period)
    offset = (
        case(
            *(
                (seconds < epoch(at), literal(prev))
                for (at, _), (_, prev) in zip(changes[1:], changes, strict=False)
            ),
            else_=literal(changes[-1][1]),
        )
        if len(changes) > 1
        else literal(changes[0][1])
    )
    return (seconds + offset) // literal(size)


def _local_key(moment: datetime, size: int) -> int:
    local = moment.utcoffset() or timedelta(0)
    return (int(moment.timestamp()) + int(local.total_seconds())) // size


def response_time_series(
    conn: Connection, period: Period, user_type: str | None = None, percentiles: tuple[int, ...] = (50, 95)
) -> pd.DataFrame:
    """Response times per local hour (one-day periods) or local day: `at`, count, average, p50, p95...

    Each bucket agrees with `response_times` over it: exact while the period holds at most
    EXACT_PERCENTILE_LIMIT answers, else from the rollups (zones a whole number of hours off UTC).
    """
    size = 3600 if period.hourly else 86_400
    stats = None
    if _bucket_seconds(period) == HOUR:
        spans = cover(period.start, period.end)
        edges = _edge_stats(
            conn,
            period,
            spans,
            user_type,
            key=lambda column: _local_bucket(epoch_bucket(column, 1), period, size),
        )
        edge_count = sum(n for n, _, _ in edges.values())
        if _hour_sums(conn, spans, user_type, "rt_count")[0] + edge_count > EXACT_PERCENTILE_LIMIT:
            stats = _series_from_rollups(conn, period, user_type, percentiles, size, spans, edges)
    if stats is None:
        stats = _exact_series(conn, period, user_type, percentiles, size)

    rows = []
    for b in period.buckets():
        local = b.start.astimezone(period.tz)
        at = local.replace(minute=0, second=0, microsecond=0)
        at = at if period.hourly else at.replace(hour=0)
        n, average, values = stats.get(_local_key(local, size), (0, None, {}))
        rows.append(
            {"at": at, "count": n, "average": average, **{f"p{q}": values.get(q) for q in percentiles}}
        )
    return pd.DataFrame(rows, columns=["at", "count", "average", *(f"p{q}" for q in percentiles)])


def _series_from_rollups(
    conn: Connection,
    period: Period,
    user_type: str | None,
    percentiles: tuple[int, ...],
    size: int,
    spans: Cover,
    edges: dict[int | None, list],
) -> dict[int, tuple]:
    """{local bucket: (count, average, {q: value})} from hour rows, day rows where a UTC day is a
    local day (zones at UTC+0 throughout), and the edges' raw answers."""
    key = _local_bucket(rollup_hours.c.start, period, size).label("key")
    sums = {
        int(k): [int(n), int(us) / 1000]
        for k, n, us in conn.execute(
            select(key, func.sum(rollup_hours.c.rt_count), func.sum(rollup_hours.c.rt_micros))
            .where(spans.where(rollup_hours), *_user_type_is(rollup_hours, user_type))
            .group_by(key)
        )
    }
    utc_days = not period.hourly and all(offset == 0 for _, offset in _offset_changes(period))
    hists = _histogram(
        conn,
        cover(period.start, period.end, days=utc_days),
        user_type,
        key=lambda table: _local_bucket(table.c.start, period, size),
    )
    for k, (n, total, hist) in edges.items():
        entry = sums.setdefault(k, [0, 0.0])
        entry[0] += n
        entry[1] += total
        merged = hists.setdefault(k, {})
        for b, c in hist.items():
            merged[b] = merged.get(b, 0) + c
    return {
        k: (n, total / n, histogram.percentiles(hists.get(k, {}), percentiles))
        for k, (n, total) in sums.items()
        if n
    }


def _exact_series(
    conn: Connection, period: Period, user_type: str | None, percentiles: tuple[int, ...], size: int
) -> dict[int, tuple]:
    """{local bucket: (count, average, {q: value})}, exact: one query ranks each bucket's answers
    (a window function) and only the order statistics the interpolation needs come back."""
    bucket = _local_bucket(epoch_bucket(chat_messages.c.created_at, 1), period, size).label("bucket")
    times = _messages_in(
        select(bucket, chat_messages.c.processing_time_ms.label("ms")).where(
            chat_messages.c.sender_type == "assistant", chat_messages.c.processing_time_ms.is_not(None)
        ),
        period,
        user_type,
    ).subquery()
    ranked = select(
        times.c.bucket,
        times.c.ms,
        (func.row_number().over(partition_by=times.c.bucket, order_by=times.c.ms) - literal(1)).label("rank"),
        func.count().over(partition_by=times.c.bucket).label("n"),
        func.avg(times.c.ms).over(partition_by=times.c.bucket).label("average"),
    ).subquery()
    wanted = []
    for q in percentiles:
        lo = ((ranked.c.n - 1) * q) // 100  # floor of the interpolation rank
        wanted += [ranked.c.rank == lo, ranked.c.rank == lo + 1]
    found: dict[int, dict] = {}
    for key, ms, rank, n, average in conn.execute(
        select(ranked.c.bucket, ranked.c.ms, ranked.c.rank, ranked.c.n, ranked.c.average).where(or_(*wanted))
    ):
        entry = found.setdefault(int(key), {"n": int(n), "average": float(average), "values": {}})
        entry["values"][int(rank)] = float(ms)
    return {
        k: (e["n"], e["average"], {q: _interpolate(e["values"], e["n"], q) for q in percentiles})
        for k, e in found.items()
    }


def _interpolate(values: dict[int, float], n: int, q: int) -> float:
    """numpy's linear percentile from the order statistics around rank (n-1)*q/100."""
    k = (n - 1) * q / 100
    lo = math.floor(k)
    hi = min(lo + 1, n - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def satisfaction(conn: Connection, period: Period, user_type: str | None = None) -> Satisfaction:
    """Mean rating of rated sessions in the period, how many are rated, and the 1-5 distribution."""
    spans = cover(period.start, period.end)
    sums = _hour_sums(conn, spans, user_type, *(f"rated_{r}" for r in range(1, 6)))
    distribution = dict(zip(range(1, 6), sums, strict=True))
    rating = chat_sessions.c.satisfaction_rating
    for span in spans.edges:
        for value, n in conn.execute(
            select(rating, func.count())
            .where(*sessions_where(_within(period, span), user_type), rating.is_not(None))
            .group_by(rating)
        ):
            distribution[int(value)] += int(n)
    count = sum(distribution.values())
    average = sum(r * n for r, n in distribution.items()) / count if count else None
    return Satisfaction(average, count, distribution)


def outcomes(conn: Connection, period: Period, user_type: str | None = None) -> Outcomes:
    """Resolution and escalation rates (%) and mean engagement over analysed sessions in the period."""
    spans = cover(period.start, period.end)
    n, resolved, escalated, tenths = _hour_sums(
        conn, spans, user_type, "analysed", "resolved", "escalated", "engagement_tenths"
    )
    engagement = tenths / 10
    for span in spans.edges:
        row = conn.execute(
            select(
                func.count(),
                _count_if(chat_analytics.c.resolved),
                _count_if(chat_analytics.c.escalated_to_human),
                func.coalesce(func.sum(chat_analytics.c.engagement_score), 0.0),
            )
            .select_from(
                chat_analytics.join(chat_sessions, chat_sessions.c.session_id == chat_analytics.c.session_id)
            )
            .where(*sessions_where(_within(period, span), user_type))
        ).one()
        n, resolved, escalated = n + int(row[0]), resolved + int(row[1]), escalated + int(row[2])
        engagement += float(row[3])
    if n == 0:
        return Outcomes(0, None, None, None)
    return Outcomes(n, 100 * resolved / n, 100 * escalated / n, engagement / n)


def topic_counts(
    conn: Connection,
    period: Period,
    user_type: str | None = None,
    *,
    unresolved_only: bool = False,
    limit: int | None = TOP_TOPICS_LIMIT,
) -> list[TopicCount]:
    """Sessions in the period per topic discussed, most first, ties by topic name."""
    counts: Counter[str] = Counter()
    spans = cover(period.start, period.end, days=True)
    if spans.hours or spans.days:
        t = rollup_topics.c
        n = func.sum(t.unresolved if unresolved_only else t.sessions)
        counts.update(
            dict(
                conn.execute(
                    select(t.topic, n)
                    .where(spans.where(rollup_topics), *_user_type_is(rollup_topics, user_type))
                    .group_by(t.topic)
                ).all()
            )
        )
    for span in spans.edges:
        joined = session_topics.join(chat_sessions, chat_sessions.c.session_id == session_topics.c.session_id)
        conds = sessions_where(_within(period, span), user_type)
        if unresolved_only:
            joined = joined.join(chat_analytics, chat_analytics.c.session_id == session_topics.c.session_id)
            conds.append(chat_analytics.c.resolved.is_(False))
        counts.update(
            dict(
                conn.execute(
                    select(session_topics.c.topic, func.count())
                    .select_from(joined)
                    .where(*conds)
                    .group_by(session_topics.c.topic)
                ).all()
            )
        )
    ranked = sorted(((topic, int(c)) for topic, c in counts.items() if c), key=lambda tc: (-tc[1], tc[0]))
    return [TopicCount(topic, c) for topic, c in ranked[:limit]]


def top_topics(conn: Connection, period: Period, user_type: str | None = None) -> list[TopicCount]:
    """The ten topics most sessions in the period discussed."""
    return topic_counts(conn, period, user_type)


def common_issues(conn: Connection, period: Period, user_type: str | None = None) -> list[TopicCount]:
    """The ten topics most discussed by unresolved sessions in the period."""
    return topic_counts(conn, period, user_type, unresolved_only=True)


def user_type_distribution(conn: Connection, period: Period, user_type: str | None = None) -> dict[str, int]:
    """Sessions in the period per user type (every type present, zeros included)."""
    counts = {t: 0 for t in SESSION_USER_TYPES}
    spans = cover(period.start, period.end)
    queries = [
        select(rollup_hours.c.user_type, func.sum(rollup_hours.c.sessions))
        .where(spans.where(rollup_hours), *_user_type_is(rollup_hours, user_type))
        .group_by(rollup_hours.c.user_type)
    ]
    queries += [
        select(chat_sessions.c.user_type, func.count())
        .where(*sessions_where(_within(period, span), user_type))
        .group_by(chat_sessions.c.user_type)
        for span in spans.edges
    ]
    for stmt in queries:
        for t, n in conn.execute(stmt):
            counts[t] += int(n)
    return counts


# --- time series (bucketed in SQL by UTC hour, regrouped in the display zone in pandas) ----------


def _bucket_seconds(period: Period) -> int:
    # Zones with a half- or quarter-hour offset (India, Nepal...) need finer UTC buckets so that
    # each one falls inside a single local hour.
    offsets = {moment.astimezone(period.tz).utcoffset() for moment in (period.start, period.end)}
    return 3600 if all(o.total_seconds() % 3600 == 0 for o in offsets) else 900


def _bucketed(
    conn: Connection, period: Period, user_type: str | None, rollup_count, raw_stmt_for
) -> pd.DataFrame:
    """Counts per UTC bucket (`at`: its start in the display zone): whole hours from rollup_hours
    (`rollup_count`, a sum over its columns) when buckets are hours, the rest from the base tables."""
    size = _bucket_seconds(period)
    rows: list = []
    if size == HOUR:
        spans = cover(period.start, period.end)
        if spans.hours:
            rows += conn.execute(
                select(rollup_hours.c.start // HOUR, func.sum(rollup_count))
                .where(spans.where(rollup_hours), *_user_type_is(rollup_hours, user_type))
                .group_by(rollup_hours.c.start)
            ).all()
        raw_spans = spans.edges
    else:
        raw_spans = ((period.start, period.end),)
    for span in raw_spans:
        bucket, stmt = raw_stmt_for(size, _within(period, span))
        rows += conn.execute(stmt.group_by(bucket)).all()
    frame = pd.DataFrame(rows, columns=["bucket", "count"])
    frame = frame[frame["count"] > 0].groupby("bucket", as_index=False)["count"].sum()
    frame["at"] = pd.to_datetime(frame["bucket"].astype("int64") * size, unit="s", utc=True).dt.tz_convert(
        period.tz
    )
    return frame[["at", "count"]].reset_index(drop=True)


def hourly_messages(conn: Connection, period: Period, user_type: str | None = None) -> pd.DataFrame:
    """Messages in the period per UTC bucket, with `at` the bucket's start in the display zone."""

    def raw_stmt_for(size: int, span: Period):
        bucket = epoch_bucket(chat_messages.c.created_at, size).label("bucket")
        return bucket, _messages_in(select(bucket, func.count()).select_from(chat_messages), span, user_type)

    r = rollup_hours.c
    return _bucketed(conn, period, user_type, r.msg_user + r.msg_assistant + r.msg_system, raw_stmt_for)


def hourly_sessions(conn: Connection, period: Period, user_type: str | None = None) -> pd.DataFrame:
    """Sessions created in the period per UTC bucket, `at` in the display zone."""

    def raw_stmt_for(size: int, span: Period):
        bucket = epoch_bucket(chat_sessions.c.created_at, size).label("bucket")
        return bucket, select(bucket, func.count()).where(*sessions_where(span, user_type))

    return _bucketed(conn, period, user_type, rollup_hours.c.sessions, raw_stmt_for)


def peak_hours(conn: Connection, period: Period, user_type: str | None = None) -> list[tuple[int, int]]:
    """Messages in the period per local hour of day, as (hour, messages) for hours 0-23."""
    frame = hourly_messages(conn, period, user_type)
    by_hour = frame.groupby(frame["at"].dt.hour)["count"].sum() if len(frame) else pd.Series(dtype="int64")
    return [(h, int(by_hour.get(h, 0))) for h in range(24)]


def weekday_hour_matrix(conn: Connection, period: Period, user_type: str | None = None) -> pd.DataFrame:
    """Messages in the period by local day of week (rows, Monday first) and hour (columns 0-23)."""
    frame = hourly_messages(conn, period, user_type)
    matrix = pd.DataFrame(0, index=range(7), columns=range(24), dtype="int64")
    if len(frame):
        grouped = frame.groupby([frame["at"].dt.day_of_week, frame["at"].dt.hour])["count"].sum()
        for (day, hour), n in grouped.items():
            matrix.loc[day, hour] = int(n)
    return matrix


def activity_over_time(conn: Connection, period: Period, user_type: str | None = None) -> pd.DataFrame:
    """Sessions and messages per local hour (one-day periods) or per local day, gaps filled with 0."""
    freq = "h" if period.hourly else "D"
    start = pd.Timestamp(period.start).tz_convert(period.tz).floor(freq)
    end = pd.Timestamp(period.end - pd.Timedelta(microseconds=1)).tz_convert(period.tz).floor(freq)
    # Daily ranges step in calendar days so that DST days (23 or 25 h) keep local midnights.
    index = pd.date_range(start, end, freq=freq) if freq == "h" else _local_days(start, end, period)
    out = pd.DataFrame(index=index)
    for name, frame in (
        ("sessions", hourly_sessions(conn, period, user_type)),
        ("messages", hourly_messages(conn, period, user_type)),
    ):
        if len(frame):
            keys = frame["at"].dt.floor("h") if freq == "h" else _local_midnight(frame["at"], period)
            series = frame.groupby(keys)["count"].sum()
        else:
            series = pd.Series(dtype="int64")
        out[name] = series.reindex(index, fill_value=0).astype("int64")
    out.index.name = "at"
    return out.reset_index()


def _local_days(start: pd.Timestamp, end: pd.Timestamp, period: Period) -> pd.DatetimeIndex:
    days = pd.date_range(start.date(), end.date(), freq="D")
    return pd.DatetimeIndex([d.tz_localize(period.tz) for d in days])


def _local_midnight(stamps: pd.Series, period: Period) -> pd.Series:
    return pd.to_datetime(stamps.dt.date).dt.tz_localize(period.tz)


# --- headline figures (the dashboard's KPI cards) -----------------------------------------------


@dataclass(frozen=True)
class Headline:
    """The figures of the KPI cards for one period."""

    sessions: SessionCounts
    messages: MessageCounts
    response_times: ResponseTimes
    satisfaction: Satisfaction
    outcomes: Outcomes


def headline(conn: Connection, period: Period, user_type: str | None = None) -> Headline:
    """Sessions, messages, response times (p50/p95), satisfaction and outcomes for the period."""
    return Headline(
        sessions=session_counts(conn, period, user_type),
        messages=message_counts(conn, period, user_type),
        response_times=response_times(conn, period, user_type, (50, 95)),
        satisfaction=satisfaction(conn, period, user_type),
        outcomes=outcomes(conn, period, user_type),
    )


# --- everything at once -------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """All headline figures for one period; what the API and the report serialise."""

    period: Period
    user_type: str | None
    sessions: SessionCounts
    messages: MessageCounts
    response_times: ResponseTimes
    satisfaction: Satisfaction
    outcomes: Outcomes
    top_topics: list[TopicCount]
    common_issues: list[TopicCount]
    user_types: dict[str, int]
    peak_hours: list[tuple[int, int]]
    active_now: int
    computed_at: datetime

    def as_dict(self) -> dict:
        """Plain JSON-ready values (no Period object)."""
        data = asdict(self)
        data.pop("period")
        data["computed_at"] = self.computed_at.isoformat()
        return data


def summary(conn: Connection, period: Period, user_type: str | None = None) -> Summary:
    """Every metric of the contract for one period and optional user type."""
    return Summary(
        period=period,
        user_type=user_type,
        sessions=session_counts(conn, period, user_type),
        messages=message_counts(conn, period, user_type),
        response_times=response_times(conn, period, user_type),
        satisfaction=satisfaction(conn, period, user_type),
        outcomes=outcomes(conn, period, user_type),
        top_topics=top_topics(conn, period, user_type),
        common_issues=common_issues(conn, period, user_type),
        user_types=user_type_distribution(conn, period, user_type),
        peak_hours=peak_hours(conn, period, user_type),
        active_now=active_sessions(conn, user_type),
        computed_at=datetime.now(UTC),
    )


__all__ = [
    "Headline",
    "MessageCounts",
    "Outcomes",
    "ResponseTimes",
    "Satisfaction",
    "SessionCounts",
    "Summary",
    "TopicCount",
    "active_sessions",
    "activity_over_time",
    "common_issues",
    "headline",
    "hourly_messages",
    "hourly_sessions",
    "message_counts",
    "outcomes",
    "peak_hours",
    "response_time_series",
    "response_times",
    "satisfaction",
    "session_counts",
    "sessions_where",
    "summary",
    "top_topics",
    "topic_counts",
    "user_type_distribution",
    "weekday_hour_matrix",
]
