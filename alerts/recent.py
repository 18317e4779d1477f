"""What an alert email's chart shows: the rule's figure over the windows leading to the notice's
own, and for an anomalous rule the usual range of that window."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Connection

from alerts.anomalies import baseline_of
from alerts.notices import Notice
from alerts.rules import WINDOWS
from alerts.samples import figure_and_sample, rule_segment
from data.periods import Period
from metrics.catalogue import METRICS

RECENT_WINDOWS = 24


def with_recent(conn: Connection, notice: Notice) -> Notice:
    """The notice with its metric over the RECENT_WINDOWS windows ending with its own (one read
    each), and its band for an anomalous rule; unchanged for a real-time metric, which has no past."""
    metric = METRICS[notice.metric]
    if not metric.periodic:
        return notice
    length = WINDOWS[notice.window]
    segment = rule_segment(notice.user_type, notice.topic)
    recent, sample = [], 0
    for back in range(RECENT_WINDOWS - 1, -1, -1):
        end = notice.window_end - back * length
        value, sample = figure_and_sample(conn, metric, Period(end - length, end, notice.tz), segment)
        recent.append((end - length, value))
    band = None
    if notice.condition == "anomalous":
        window = Period(notice.window_end - length, notice.window_end, notice.tz)
        found = baseline_of(conn, metric, window, segment, sample)
        band = (found.low, found.high) if found else None
    return replace(notice, recent=tuple(recent), band=band)
