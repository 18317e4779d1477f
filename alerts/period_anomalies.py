"""The detector's verdict on every whole hour of a period at once, for the dashboard's time charts:
the same judgement as alerts.anomalies.detect, from hourly series read in one pass each (a few
queries over the period and the 6 weeks before it) instead of 7 reads per hour and metric."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import BigInteger, Connection, and_, column, func, join, select, values

from alerts.anomalies import WEEKS, Anomaly, judged
from data.cover import HOUR as HOUR_SECONDS
from data.cover import Cover, epoch, moment
from data.periods import Period
from data.schema import ALL_TYPES, rollup_hour_p95, rollup_hours
from metrics import quality
from metrics.catalogue import METRICS
from metrics.percentiles import from_histogram
from metrics.series import hourly_messages, hourly_sessions, response_time_series
from metrics.spans import Segment, response_histogram, segment_of, user_type_is

HOUR = timedelta(hours=1)
# The figures the time charts draw that the detector watches: sessions and messages (activity),
# the 95th percentile of response times (response-time chart).
MARKED = ("sessions", "messages", "p95_response_time")
# Only the period's last week of hours is judged: a 90-day chart's markers cost what a week's do.
MARK_HOURS = 7 * 24

Series = dict[datetime, tuple[float | None, int]]  # UTC hour -> (figure, sample)


def _counts(frame: pd.DataFrame) -> Series:
    return {
        at.to_pydatetime().astimezone(UTC): (float(n), int(n))
        for at, n in zip(frame["at"], frame["count"], strict=True)
    }


def hourly_figures(conn: Connection, period: Period, segment: Segment) -> dict[str, Series]:
    """Each marked metric's figure and sample per UTC hour of `period` (UTC, whole hours)."""
    response = response_time_series(conn, period, segment, (95,), hourly=True)
    return {
        "sessions": _counts(hourly_sessions(conn, period, segment)),
        "messages": _counts(hourly_messages(conn, period, segment)),
        "p95_response_time": {
            at.to_pydatetime().astimezone(UTC): (None if pd.isna(p95) else float(p95), int(n))
            for at, n, p95 in zip(response["at"], response["count"], response["p95"], strict=True)
        },
    }


def _hourly_figures_from_rollups(
    conn: Connection, hours: list[tuple[int, int]], segment: Segment
) -> dict[str, Series]:
    """The same figures as `hourly_figures` for whole UTC hour ranges (epoch seconds): the counts
    from rollup_hours and each hour's p95 from rollup_hour_p95, one query each for all ranges; an
    hour whose kept p95 did not count the answers rollup_hours does (a writer committed between the
    two reads, or the row is missing) is read from its histogram instead."""
    # The windows as a table joined on each rollup's index: one short range search each (an OR of
    # seven ranges with a GROUP BY made SQLite walk the whole index instead).
    windows = (
        values(column("lo", BigInteger), column("hi", BigInteger), name="windows").data(hours).cte("windows")
    )
    h, k = rollup_hours.c, rollup_hour_p95.c
    counts = conn.execute(
        select(
            h.start,
            func.sum(h.sessions),
            func.sum(h.msg_user + h.msg_assistant + h.msg_system),
            func.sum(h.rt_count),
        )
        .select_from(join(windows, rollup_hours, and_(h.start >= windows.c.lo, h.start < windows.c.hi)))
        .where(*user_type_is(rollup_hours, segment))
        .group_by(h.start)
    ).all()
    kept = {
        int(start): (int(n), p95)
        for start, n, p95 in conn.execute(
            select(k.start, k.n, k.p95)
            .select_from(
                join(windows, rollup_hour_p95, and_(k.start >= windows.c.lo, k.start < windows.c.hi))
            )
            .where(k.user_type == (segment_of(segment).user_type or ALL_TYPES))
        )
    }
    answers = {int(start): int(n) for start, _, _, n in counts if n}
    p95 = {start: (kept[start][1], n) for start, n in answers.items() if kept.get(start, (None,))[0] == n}
    behind = sorted(set(answers) - set(p95))
    if behind:
        ranges: list[list[int]] = []  # the hours behind, consecutive ones as one range
        for start in behind:
            if ranges and ranges[-1][1] == start:
                ranges[-1][1] = start + HOUR_SECONDS
            else:
                ranges.append([start, start + HOUR_SECONDS])
        spans = Cover(edges=(), hours=tuple((lo, hi) for lo, hi in ranges))
        for start, hist in response_histogram(conn, spans, segment, key=lambda t: t.c.start).items():
            p95[start] = (from_histogram(hist, (95,))[95], sum(hist.values()))
    return {
        "sessions": {
            moment(int(start)): (float(sessions), int(sessions)) for start, sessions, _, _ in counts
        },
        "messages": {
            moment(int(start)): (float(messages), int(messages)) for start, _, messages, _ in counts
        },
        "p95_response_time": {moment(start): (value, n) for start, (value, n) in p95.items()},
    }


def anomalies_between(
    conn: Connection, start: datetime, end: datetime, tz: ZoneInfo, segment: Segment
) -> list[Anomaly]:
    """The marked metrics' anomalous whole hours within [start, end) (its last MARK_HOURS), oldest
    first, for the segment shown."""
    last = end.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    first = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    first = max(first + (HOUR if first < start else timedelta(0)), last - MARK_HOURS * HOUR)
    if first >= last:
        return []
    # The judged hours and the same hours 1..WEEKS weeks before: seven short reads on a day's chart
    # rather than one over six weeks.
    figures: dict[str, Series] = {key: {} for key in MARKED}
    windows = [(first - timedelta(weeks=w), last - timedelta(weeks=w)) for w in range(WEEKS + 1)]
    if segment_of(segment).rollups_answer:
        # All seven windows in one read per rollup table (they are whole UTC hours).
        figures = _hourly_figures_from_rollups(conn, [(epoch(lo), epoch(hi)) for lo, hi in windows], segment)
        for lo, hi in windows:
            answers = sum(n for at, (_, n) in figures["p95_response_time"].items() if lo <= at < hi)
            if answers <= quality.EXACT_PERCENTILE_LIMIT:
                # Few answers: the response chart shows exact percentiles, so the marker must too.
                exact = hourly_figures(conn, Period(lo, hi, UTC), segment)["p95_response_time"]
                figures["p95_response_time"].update(exact)
    else:
        for lo, hi in windows:
            for key, series in hourly_figures(conn, Period(lo, hi, UTC), segment).items():
                figures[key].update(series)
    found = []
    hour = first
    while hour < last:
        for key in MARKED:
            metric, series = METRICS[key], figures[key]
            empty = (0.0, 0) if metric.is_count else (None, 0)  # an hour without rows: no sessions
            history = [
                past
                for weeks in range(1, WEEKS + 1)
                if (past := series.get(hour - timedelta(weeks=weeks), empty))[0] is not None
            ]
            value, sample = series.get(hour, empty)
            anomaly = judged(metric, Period(hour, hour + HOUR, tz), value, sample, history)
            if anomaly is not None:
                found.append(anomaly)
        hour += HOUR
    return found
