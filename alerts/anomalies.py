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
from metrics.spans import Segment

WEEKS = 6  # previous weeks the baseline is read from
MIN_WEEKS = 3  # fewer weeks with a figure: no baseline, no verdict
MAD_TO_SIGMA = 1.4826  # MAD of a normal sample times this estimates its standard deviation
WIDTH = 3.5  # band half-width in estimated standard deviations
# Figures barely move from week to week on a steady service, so the band never gets narrower than
# this share of the median: small wobbles are not incidents.
MIN_RELATIVE_WIDTH = 0.25
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


def band_of(history: list[float], *, count: bool = False) -> Band | None:
    """The band around past values, or None with fewer than MIN_WEEKS of them. For counts the band
    is at least 3 Poisson standard deviations wide: 4 sessions where 2 are usual is chance."""
    if len(history) < MIN_WEEKS:
        return None
    centre = median(history)
    spread = MAD_TO_SIGMA * median(abs(x - centre) for x in history)
    poisson = 3 * sqrt(max(centre, 1.0)) if count else 0.0
    half = max(WIDTH * spread, MIN_RELATIVE_WIDTH * abs(centre), poisson)
    return Band(centre, centre - half, centre + half, len(history))


def enough_data(metric: Metric, sample: int, band: Band, minimum: int) -> bool:
    """True when the verdict rests on at least `minimum` observations: for counts, those expected
    (a drop to zero is the incident, not a lack of data); for averages and rates, those seen."""
    return (band.median if metric.is_count else sample) >= minimum


def baseline_of(conn: Connection, metric: Metric, window: Period, segment: Segment) -> Band | None:
    """The band for `metric` over `window` from the same window 1..WEEKS weeks before."""
    history = []
    for weeks in range(1, WEEKS + 1):
        shift = timedelta(weeks=weeks)
        past = Period(window.start - shift, window.end - shift, window.tz)
        value = metric.compute(conn, past, segment)
        if value is not None:
            history.append(float(value))
    return band_of(history, count=metric.is_count)


def detect(conn: Connection, now: datetime, tz: ZoneInfo) -> list[Anomaly]:
    """The key metrics whose last completed hour falls outside their band, with enough data."""
    window = last_completed(DETECTOR_WINDOW, now, tz)
    found = []
    for key in WATCHED:
        metric = METRICS[key]
        value, sample = figure_and_sample(conn, metric, window, Segment())
        if value is None:
            continue
        band = baseline_of(conn, metric, window, Segment())
        if (
            band is not None
            and enough_data(metric, sample, band, DETECTOR_MIN_SAMPLE)
            and band.outside(value)
        ):
            found.append(Anomaly(metric, window, float(value), band, sample))
    return found
