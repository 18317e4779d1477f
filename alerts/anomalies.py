"""Anomalies without configuration: a window's figure against the same hours of the week in the
previous weeks, robustly (median and MAD, so one past incident does not widen the band)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from math import sqrt
from statistics import median
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from alerts.samples import figure_and_sample
from alerts.windows import last_completed
from data.periods import Period
from metrics.catalogue import METRICS, Metric
from metrics.numbers import metric_value
from metrics.spans import Segment

WEEKS = 6  # previous weeks the baseline is read from
MIN_WEEKS = 3  # fewer weeks with a figure: no baseline, no verdict
MAD_TO_SIGMA = 1.4826  # MAD of a normal sample times this estimates its standard deviation
WIDTH = 3.5  # band half-width in estimated standard deviations
# Figures barely move from week to week on a steady service, so the band never gets narrower than
# this share of the median: small wobbles are not incidents.
MIN_RELATIVE_WIDTH = 0.25
# Nor narrower than this many standard deviations of the sampling noise of the window's own
# figure. Six past weeks estimate the spread poorly (their MAD is often far too small), and the
# detector makes ~1,000 comparisons a week: measured with `python -m bench.detector`, 5 keeps
# false alarms under one a week while still finding x3 response times, -60% sessions, x4 escalations.
NOISE_WIDTH = 5.0
# Sampling noise, per observation. Counts are Poisson, times this for counts arriving in clusters
# (a session brings ~15 messages, so the hourly message count varies as its sessions do).
DISPERSION = {"messages": 16.0}
# Averages and percentiles: the coefficient of variation of one observation (answers have a long
# tail; measured on the seeded data, where a lower assumption gave most of the false alarms).
VARIATION = {"avg_response_time": 1.4, "p95_response_time": 2.0, "avg_satisfaction": 0.35}
# The detector's own watch list (the alerts page): key metrics, the last completed hour.
WATCHED = (
    "sessions",
    "messages",
    "avg_response_time",
    "p95_response_time",
    "escalation_rate",
    "avg_satisfaction",
)
DETECTOR_WINDOW = "1h"
DETECTOR_MIN_SAMPLE = 20


@dataclass(frozen=True)
class Band:
    """The expected range of a figure: median of the same window in past weeks, +/- a robust width."""

    median: float
    low: float
    high: float
    weeks: int

    def outside(self, value: float) -> bool:
        return value < self.low or value > self.high


@dataclass(frozen=True)
class Anomaly:
    """A key metric outside its band in the last completed hour."""

    metric: Metric
    window: Period
    value: float
    band: Band
    sample: int


def band_of(history: list[tuple[float, int]], metric: Metric, sample: int) -> Band | None:
    """The band around past (value, sample) pairs for a window of `sample` observations, or None
    with fewer than MIN_WEEKS of them: median +/- the widest of the robust spread, the minimum share
    and the sampling noise (for counts in square-root units, where Poisson noise is even)."""
    if len(history) < MIN_WEEKS:
        return None
    values = [value for value, _ in history]
    centre = median(values)
    spread = MAD_TO_SIGMA * median(abs(x - centre) for x in values)
    half = max(
        WIDTH * spread, MIN_RELATIVE_WIDTH * abs(centre), NOISE_WIDTH * _noise(metric, history, sample)
    )
    low, high = centre - half, centre + half
    if metric.is_count:
        # 2 sqrt(n / d) has standard deviation 1 whatever the rate: a drop from 65 to 30 stands
        # out more than a rise from 65 to 100, as it should.
        d = DISPERSION.get(metric.key, 1.0)
        root = sqrt(max(centre, 0.0) / d)
        low = min(low, d * max(root - NOISE_WIDTH / 2, 0.0) ** 2)
        high = max(high, d * (root + NOISE_WIDTH / 2) ** 2)
    return Band(centre, low, high, len(history))


def _noise(metric: Metric, history: list[tuple[float, int]], sample: int) -> float:
    """The standard deviation sampling alone gives the window's figure (counts: see band_of)."""
    if metric.is_count or sample <= 0:
        return 0.0
    values = [value for value, _ in history]
    if metric.rate:
        # Binomial at the usual rate: the median, as for the band (a past incident does not widen
        # it); where the median is 0% (a quiet hour most weeks saw none), the pooled rate instead.
        p = median(values) / 100
        seen = sum(n for _, n in history)
        if p <= 0 and seen:
            p = sum(v * n for v, n in history) / seen / 100
        return 100 * sqrt(max(p * (1 - p), 0.0) / sample)
    return abs(median(values)) * VARIATION.get(metric.key, 0.0) / sqrt(sample)


def enough_data(metric: Metric, sample: int, band: Band, minimum: int) -> bool:
    """True when the verdict rests on at least `minimum` observations: for counts, those expected
    (a drop to zero is the incident, not a lack of data); for averages and rates, those seen."""
    return (band.median if metric.is_count else sample) >= minimum


def history_of(conn: Connection, metric: Metric, window: Period, segment: Segment) -> list[tuple[float, int]]:
    """(figure, sample) of `metric` over the same window 1..WEEKS weeks before, where it has one."""
    history = []
    for weeks in range(1, WEEKS + 1):
        shift = timedelta(weeks=weeks)
        past = Period(window.start - shift, window.end - shift, window.tz)
        value, past_sample = figure_and_sample(conn, metric, past, segment)
        if value is not None:
            history.append((float(value), past_sample))
    return history


def baseline_of(
    conn: Connection, metric: Metric, window: Period, segment: Segment, sample: int
) -> Band | None:
    """The band for `metric` over `window` (of `sample` observations) from the same window
    1..WEEKS weeks before."""
    return band_of(history_of(conn, metric, window, segment), metric, sample)


def judged(
    metric: Metric, window: Period, value: float | None, sample: int, history: list[tuple[float, int]]
) -> Anomaly | None:
    """The anomaly when the window's figure is outside the band of its history, on enough data."""
    if value is None:
        return None
    band = band_of(history, metric, sample)
    if band is None or not enough_data(metric, sample, band, DETECTOR_MIN_SAMPLE) or not band.outside(value):
        return None
    return Anomaly(metric, window, float(value), band, sample)


def detect(conn: Connection, now: datetime, tz: ZoneInfo) -> list[Anomaly]:
    """The key metrics whose last completed hour falls outside their band, with enough data."""
    window = last_completed(DETECTOR_WINDOW, now, tz)
    found = []
    for key in WATCHED:
        metric = METRICS[key]
        value, sample = figure_and_sample(conn, metric, window, Segment())
        if value is not None:
            found.append(judged(metric, window, value, sample, history_of(conn, metric, window, Segment())))
    return [a for a in found if a is not None]


def against_usual(anomaly: Anomaly) -> str:
    """`9,100 ms vs usual 3,000 ms (same hour, previous 6 weeks)`: the figure beside its median."""
    metric = anomaly.metric
    return (
        f"{metric_value(metric, anomaly.value)} vs usual {metric_value(metric, anomaly.band.median)} "
        f"(same hour, previous {WEEKS} weeks)"
    )
