"""Quality figures of a period: AI response times, satisfaction, resolution, escalation, engagement."""

from __future__ import annotations

from sqlalchemy import Connection, func, literal, select

from data.counters import ANALYTICS_COUNTERS
from data.periods import Period
from metrics import percentiles as pct
from metrics.results import Outcomes, ResponseTimes, Satisfaction
from metrics.spans import (
    Selecting,
    assistant_times,
    cover_for,
    edge_response_stats,
    hour_sums,
    period_sums,
    response_histogram,
)

PERCENTILES = (50, 90, 95, 99)
# Up to this many response times, percentiles are exact (one indexed window query); beyond it they
# come from the rollups' histograms, within data.histogram.MAX_RELATIVE_ERROR (< 2%).
EXACT_PERCENTILE_LIMIT = 10_000


def response_times(
    conn: Connection, period: Period, segment: Selecting = None, percentiles: tuple[int, ...] = PERCENTILES
) -> ResponseTimes:
    """Mean and percentiles (numpy's linear interpolation) of assistant processing times: exact up
    to EXACT_PERCENTILE_LIMIT answers, from the rollups' histograms (within 2%) beyond."""
    spans = cover_for(period, segment)
    count, micros = hour_sums(conn, spans, segment, "rt_count", "rt_micros")
    edge_count, edge_sum, edge_hist = edge_response_stats(conn, period, spans, segment).get(
        None, (0, 0.0, {})
    )
    count += edge_count
    if count <= EXACT_PERCENTILE_LIMIT:
        exact = exact_response_times(conn, period, segment, percentiles)
        if exact.count == count:
            return exact
        # The rollups count answers the base tables no longer hold (data.retention deleted them):
        # their histograms still have them.
    hist = response_histogram(conn, cover_for(period, segment, days=True), segment)
    for b, n in edge_hist.items():
        hist[b] = hist.get(b, 0) + n
    average = (micros / 1000 + edge_sum) / count
    return ResponseTimes(count, average, pct.from_histogram(hist, percentiles))


def exact_response_times(
    conn: Connection, period: Period, segment: Selecting, percentiles: tuple[int, ...]
) -> ResponseTimes:
    """Mean and exact percentiles from the base table: one sort, only the order statistics needed."""
    times = assistant_times(period, segment).subquery()
    count, average = conn.execute(select(func.count(), func.avg(times.c.ms))).one()
    count = int(count)
    if count == 0:
        return ResponseTimes(0, None, {q: None for q in percentiles})
    ordered = select(
        times.c.ms, (func.row_number().over(order_by=times.c.ms) - literal(1)).label("rank")
    ).subquery()
    values = {
        int(r): float(v)
        for v, r in conn.execute(
            select(ordered.c.ms, ordered.c.rank).where(
                ordered.c.rank.in_(pct.ranks_needed(count, percentiles))
            )
        )
    }
    return ResponseTimes(count, float(average), {q: pct.interpolate(values, count, q) for q in percentiles})


def satisfaction(conn: Connection, period: Period, segment: Selecting = None) -> Satisfaction:
    """Mean rating of rated sessions in the period, how many are rated, and the 1-5 distribution."""
    sums = period_sums(conn, period, segment, [f"rated_{r}" for r in range(1, 6)])
    distribution = {r: int(n) for r, n in zip(range(1, 6), sums, strict=True)}
    count = sum(distribution.values())
    average = sum(r * n for r, n in distribution.items()) / count if count else None
    return Satisfaction(average, count, distribution)


def outcomes(conn: Connection, period: Period, segment: Selecting = None) -> Outcomes:
    """Resolution and escalation rates (%) and mean engagement over analysed sessions in the period."""
    sums = period_sums(conn, period, segment, [c.name for c in ANALYTICS_COUNTERS])
    n, resolved, escalated, tenths = (int(v) for v in sums)
    if n == 0:
        return Outcomes(0, None, None, None)
    return Outcomes(n, 100 * resolved / n, 100 * escalated / n, tenths / 10 / n)
