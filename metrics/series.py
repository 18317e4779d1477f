"""Figures over time: counts and response times per local hour or day, and by hour of the week.

Counts are bucketed in SQL by UTC hour (whole hours from the rollups) and regrouped in the display
zone in pandas; response-time buckets are local in SQL (metrics.localtime).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, func, literal, or_, select

from data.cover import HOUR, Cover
from data.periods import Period
from data.schema import chat_messages, chat_sessions, rollup_hours
from data.sqlfuncs import epoch_bucket
from metrics import percentiles as pct
from metrics import quality
from metrics.local_histograms import local_day_histograms
from metrics.localtime import (
    bucket_seconds,
    local_bucket,
    local_days,
    local_key,
    local_midnight,
)
from metrics.spans import (
    Selecting,
    cover_for,
    edge_response_stats,
    hour_sums,
    messages_in,
    response_histogram,
    sessions_where,
    user_type_is,
    within,
)


def response_time_series(
    conn: Connection,
    period: Period,
    segment: Selecting = None,
    percentiles: tuple[int, ...] = (50, 95),
    hourly: bool | None = None,
) -> pd.DataFrame:
    """Response times per local hour (one-day periods, or any with `hourly`) or local day: `at`,
    count, average, p50, p95...

    Each bucket agrees with `response_times` over it: exact while the period holds at most
    EXACT_PERCENTILE_LIMIT answers, else from the rollups (zones a whole number of hours off UTC).
    """
    hourly = period.hourly if hourly is None else hourly
    size = 3600 if hourly else 86_400
    stats = None
    expected = None
    if bucket_seconds(period) == HOUR:
        spans = cover_for(period, segment)
        edges = edge_response_stats(
            conn,
            period,
            spans,
            segment,
            key=lambda column: local_bucket(epoch_bucket(column, 1), period, size),
        )
        expected = hour_sums(conn, spans, segment, "rt_count")[0] + sum(n for n, _, _ in edges.values())
        if expected > quality.EXACT_PERCENTILE_LIMIT:
            stats = _series_from_rollups(conn, period, segment, percentiles, size, spans, edges, hourly)
    if stats is None:
        stats = _exact_series(conn, period, segment, percentiles, size)
        if expected is not None and sum(n for n, _, _ in stats.values()) != expected:
            # Answers deleted by data.retention: the rollups still count them.
            stats = _series_from_rollups(conn, period, segment, percentiles, size, spans, edges, hourly)

    rows = []
    for b in period.buckets(hourly):
        local = b.start.astimezone(period.tz)
        at = local.replace(minute=0, second=0, microsecond=0)
        at = at if hourly else at.replace(hour=0)
        n, average, values = stats.get(local_key(local, size), (0, None, {}))
        rows.append(
            {"at": at, "count": n, "average": average, **{f"p{q}": values.get(q) for q in percentiles}}
        )
    return pd.DataFrame(rows, columns=["at", "count", "average", *(f"p{q}" for q in percentiles)])


def _series_from_rollups(
    conn: Connection,
    period: Period,
    segment: Selecting,
    percentiles: tuple[int, ...],
    size: int,
    spans: Cover,
    edges: dict[int | None, list],
    hourly: bool,
) -> dict[int, tuple]:
    """{local bucket: (count, average, {q: value})} from hour rows, day rows where a UTC day is a
    local day (zones at UTC+0 throughout), and the edges' raw answers."""
    key = local_bucket(rollup_hours.c.start, period, size).label("key")
    sums = {
        int(k): [int(n), int(us) / 1000]
        for k, n, us in conn.execute(
            select(key, func.sum(rollup_hours.c.rt_count), func.sum(rollup_hours.c.rt_micros))
            .where(spans.where(rollup_hours), *user_type_is(rollup_hours, segment))
            .group_by(key)
        )
    }
    if hourly:
        hists = response_histogram(
            conn, spans, segment, key=lambda table: local_bucket(table.c.start, period, size)
        )
    else:  # whole UTC days from day rows, moved to local days (zones a whole number of hours off UTC)
        hists = local_day_histograms(conn, period, cover_for(period, segment, days=True), segment)
    for k, (n, total, hist) in edges.items():
        entry = sums.setdefault(k, [0, 0.0])
        entry[0] += n
        entry[1] += total
        merged = hists.setdefault(k, {})
        for b, c in hist.items():
            merged[b] = merged.get(b, 0) + c
    return {
        k: (n, total / n, pct.from_histogram(hists.get(k, {}), percentiles))
        for k, (n, total) in sums.items()
        if n
    }


def _exact_series(
    conn: Connection, period: Period, segment: Selecting, percentiles: tuple[int, ...], size: int
) -> dict[int, tuple]:
    """{local bucket: (count, average, {q: value})}, exact: one query ranks each bucket's answers
    (a window function) and only the order statistics the interpolation needs come back."""
    bucket = local_bucket(epoch_bucket(chat_messages.c.created_at, 1), period, size).label("bucket")
    times = messages_in(
        select(bucket, chat_messages.c.processing_time_ms.label("ms")).where(
            chat_messages.c.sender_type == "assistant", chat_messages.c.processing_time_ms.is_not(None)
        ),
        period,
        segment,
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
        lo = ((ranked.c.n - 1) * q) // 100  # floor of the interpolation rank (metrics.percentiles.rank)
        wanted += [ranked.c.rank == lo, ranked.c.rank == lo + 1]
    found: dict[int, dict] = {}
    for key, ms, rank, n, average in conn.execute(
        select(ranked.c.bucket, ranked.c.ms, ranked.c.rank, ranked.c.n, ranked.c.average).where(or_(*wanted))
    ):
        entry = found.setdefault(int(key), {"n": int(n), "average": float(average), "values": {}})
        entry["values"][int(rank)] = float(ms)
    return {
        k: (e["n"], e["average"], {q: pct.interpolate(e["values"], e["n"], q) for q in percentiles})
        for k, e in found.items()
    }


def _bucketed(
    conn: Connection, period: Period, segment: Selecting, rollup_count, raw_stmt_for
) -> pd.DataFrame:
    """Counts per UTC bucket (`at`: its start in the display zone): whole hours from rollup_hours
    (`rollup_count`, a sum over its columns) when buckets are hours, the rest from the base tables."""
    size = bucket_seconds(period)
    rows: list = []
    if size == HOUR:
        spans = cover_for(period, segment)
        if spans.hours:
            rows += conn.execute(
                select(rollup_hours.c.start // HOUR, func.sum(rollup_count))
                .where(spans.where(rollup_hours), *user_type_is(rollup_hours, segment))
                .group_by(rollup_hours.c.start)
            ).all()
        raw_spans = spans.edges
    else:
        raw_spans = ((period.start, period.end),)
    for span in raw_spans:
        bucket, stmt = raw_stmt_for(size, within(period, span))
        rows += conn.execute(stmt.group_by(bucket)).all()
    # Plain tuples: pandas probes each SQLAlchemy Row for namedtuple fields, ~10 µs a row.
    frame = pd.DataFrame([tuple(row) for row in rows], columns=["bucket", "count"])
    frame = frame[frame["count"] > 0].groupby("bucket", as_index=False)["count"].sum()
    frame["at"] = pd.to_datetime(frame["bucket"].astype("int64") * size, unit="s", utc=True).dt.tz_convert(
        period.tz
    )
    return frame[["at", "count"]].reset_index(drop=True)


def hourly_messages(conn: Connection, period: Period, segment: Selecting = None) -> pd.DataFrame:
    """Messages in the period per UTC bucket, with `at` the bucket's start in the display zone."""

    def raw_stmt_for(size: int, span: Period):
        bucket = epoch_bucket(chat_messages.c.created_at, size).label("bucket")
        return bucket, messages_in(select(bucket, func.count()).select_from(chat_messages), span, segment)

    r = rollup_hours.c
    return _bucketed(conn, period, segment, r.msg_user + r.msg_assistant + r.msg_system, raw_stmt_for)


def hourly_sessions(conn: Connection, period: Period, segment: Selecting = None) -> pd.DataFrame:
    """Sessions created in the period per UTC bucket, `at` in the display zone."""

    def raw_stmt_for(size: int, span: Period):
        bucket = epoch_bucket(chat_sessions.c.created_at, size).label("bucket")
        return bucket, select(bucket, func.count()).where(*sessions_where(span, segment))

    return _bucketed(conn, period, segment, rollup_hours.c.sessions, raw_stmt_for)


def peak_hours(conn: Connection, period: Period, segment: Selecting = None) -> list[tuple[int, int]]:
    """Messages in the period per local hour of day, as (hour, messages) for hours 0-23."""
    frame = hourly_messages(conn, period, segment)
    by_hour = frame.groupby(frame["at"].dt.hour)["count"].sum() if len(frame) else pd.Series(dtype="int64")
    return [(h, int(by_hour.get(h, 0))) for h in range(24)]


def weekday_hour_matrix(conn: Connection, period: Period, segment: Selecting = None) -> pd.DataFrame:
    """Messages in the period by local day of week (rows, Monday first) and hour (columns 0-23)."""
    frame = hourly_messages(conn, period, segment)
    if not len(frame):
        return pd.DataFrame(0, index=range(7), columns=range(24), dtype="int64")
    grouped = frame.groupby([frame["at"].dt.day_of_week, frame["at"].dt.hour])["count"].sum()
    matrix = grouped.unstack(fill_value=0).reindex(index=range(7), columns=range(24), fill_value=0)
    matrix.index.name = matrix.columns.name = None
    return matrix.astype("int64")


def activity_over_time(conn: Connection, period: Period, segment: Selecting = None) -> pd.DataFrame:
    """Sessions and messages per local hour (one-day periods) or per local day, gaps filled with 0."""
    freq = "h" if period.hourly else "D"
    start = pd.Timestamp(period.start).tz_convert(period.tz).floor(freq)
    end = pd.Timestamp(period.end - pd.Timedelta(microseconds=1)).tz_convert(period.tz).floor(freq)
    # Daily ranges step in calendar days so that DST days (23 or 25 h) keep local midnights.
    index = pd.date_range(start, end, freq=freq) if freq == "h" else local_days(start, end, period)
    out = pd.DataFrame(index=index)
    for name, frame in (
        ("sessions", hourly_sessions(conn, period, segment)),
        ("messages", hourly_messages(conn, period, segment)),
    ):
        if len(frame):
            keys = frame["at"].dt.floor("h") if freq == "h" else local_midnight(frame["at"], period)
            series = frame.groupby(keys)["count"].sum()
        else:
            series = pd.Series(dtype="int64")
        out[name] = series.reindex(index, fill_value=0).astype("int64")
    # A bucket the period covers only in part (a rolling period starts mid-day) is flagged so
    # that charts can draw it as partial rather than as a quiet hour or day.
    step = pd.Timedelta(hours=1)
    ends = (
        [at + step for at in index]
        if freq == "h"
        else list(index[1:])
        + list(local_days(end + pd.Timedelta(days=1), end + pd.Timedelta(days=1), period))
    )
    out["partial"] = [
        at < period.start or bucket_end > period.end for at, bucket_end in zip(index, ends, strict=True)
    ]
    out.index.name = "at"
    return out.reset_index()
