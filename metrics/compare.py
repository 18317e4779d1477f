"""Two segments side by side over one period: both headlines and, per metric, the difference read
by the one change rule (points for rates, percent otherwise)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from data.periods import Period
from metrics.catalogue import Metric
from metrics.change import Change, metric_change
from metrics.headline import headline
from metrics.results import Headline
from metrics.spans import Selecting


@dataclass(frozen=True)
class Comparison:
    """The headline of the segment on view (`current`) and of the one it is compared with (`other`)."""

    current: Headline
    other: Headline

    def difference(self, metric: Metric) -> Change | None:
        """`current - other` for a catalogue metric (None when either value is missing)."""
        return metric_change(metric, metric.of(self.current), metric.of(self.other))


def compare_headlines(conn: Connection, period: Period, segment: Selecting, other: Selecting) -> Comparison:
    """Both segments' headline figures over the same period."""
    return Comparison(headline(conn, period, segment), headline(conn, period, other))
