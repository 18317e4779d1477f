"""A metric's figure together with how many observations it rests on (what `min_sample` checks)."""

from __future__ import annotations

from sqlalchemy import Connection

from data.periods import Period
from metrics.catalogue import FAMILIES, Metric
from metrics.spans import Segment

# The observations behind each catalogue family's figures.
SAMPLES = {
    "sessions": lambda s: s.total,
    "messages": lambda m: m.total,
    "response_times": lambda r: r.count,
    "satisfaction": lambda s: s.count,
    "outcomes": lambda o: o.analysed,
    "live": lambda n: n,
}


def figure_and_sample(
    conn: Connection, metric: Metric, period: Period, segment: Segment
) -> tuple[float | None, int]:
    """The metric's value over the period for the segment, and its sample size (one read)."""
    figures = FAMILIES[metric.family](conn, period, segment)
    return metric.pick(figures), int(SAMPLES[metric.family](figures) or 0)


def rule_segment(user_type: str | None, topic: str | None) -> Segment:
    """The sessions a rule (and its notices) counts: its user type and topic, when it has them."""
    return Segment(user_type=user_type, topics=(topic,) if topic else ())
