"""The metric catalogue: one declaration per metric, read by the KPI cards, the API, the OpenAPI
document, the weekly report and docs/metrics.md. Nowhere else names a metric's label, unit,
direction or definition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from data.periods import Period
from metrics.counts import active_sessions, message_counts, session_counts
from metrics.headline import HEADLINE_PERCENTILES
from metrics.quality import outcomes, response_times, satisfaction
from metrics.results import Headline
from metrics.spans import Selecting

# The figure families a metric is read from, each computed for (conn, period, user type); a
# Headline holds one of each but "live", which has no period.
FAMILIES: dict[str, Callable[[Connection, Period, Selecting], Any]] = {
    "sessions": session_counts,
    "messages": message_counts,
    "response_times": lambda conn, period, segment: response_times(
        conn, period, segment, HEADLINE_PERCENTILES
    ),
    "satisfaction": satisfaction,
    "outcomes": outcomes,
    "live": lambda conn, period, segment: active_sessions(conn, segment),
}


@dataclass(frozen=True)
class Metric:
    """What a figure means, how to show it, and how to read it."""

    key: str  # the API's and the report's name for it
    label: str
    unit: str  # shown after the number: "ms", "%", "/ 5" or ""
    definition: str  # one sentence
    higher_is_better: bool | None  # None: neither direction is good or bad
    rate: bool  # a percentage: changes in percentage points
    decimals: int  # digits after the point when shown
    family: str  # the FAMILIES entry holding it
    pick: Callable[[Any], float | None]  # its value from that family's figures

    @property
    def is_count(self) -> bool:
        """True for whole-number counts (no unit, no decimals): never null, 0 for an empty period."""
        return self.decimals == 0 and not self.unit

    @property
    def periodic(self) -> bool:
        """False for real-time figures, which ignore the period."""
        return self.family != "live"

    def of(self, figures: Headline) -> float | None:
        """This metric's value among a period's headline figures."""
        return self.pick(getattr(figures, self.family))

    def compute(self, conn: Connection, period: Period, segment: Selecting = None) -> float | None:
        """This metric alone, for a period and user type."""
        return self.pick(FAMILIES[self.family](conn, period, segment))


CATALOGUE: tuple[Metric, ...] = (
    Metric(
        "active_sessions",
        "Active now",
        "",
        "Chat sessions open right now, whatever the period.",
        None,
        False,
        0,
        "live",
        lambda n: n,
    ),
    Metric(
        "sessions",
        "Sessions",
        "",
        "Chat sessions created in the period.",
        True,
        False,
        0,
        "sessions",
        lambda s: s.total,
    ),
    Metric(
        "sessions_open",
        "Still open",
        "",
        "Sessions created in the period that are still open.",
        None,
        False,
        0,
        "sessions",
        lambda s: s.active,
    ),
    Metric(
        "sessions_closed",
        "Closed",
        "",
        "Sessions created in the period that have been closed.",
        True,
        False,
        0,
        "sessions",
        lambda s: s.closed,
    ),
    Metric(
        "messages",
        "Messages",
        "",
        "Messages sent in the period (user, assistant and system).",
        True,
        False,
        0,
        "messages",
        lambda m: m.total,
    ),
    Metric(
        "messages_per_session",
        "Messages per session",
        "",
        "Messages sent in the period per session that has at least one message in it.",
        None,
        False,
        1,
        "messages",
        lambda m: m.per_session,
    ),
    Metric(
        "avg_response_time",
        "Avg response time",
        "ms",
        "Mean AI processing time of the assistant messages sent in the period.",
        False,
        False,
        0,
        "response_times",
        lambda r: r.average,
    ),
    Metric(
        "p50_response_time",
        "Median response time",
        "ms",
        "Middle AI processing time of the assistant messages sent in the period (half are faster).",
        False,
        False,
        0,
        "response_times",
        lambda r: r.p(50),
    ),
    Metric(
        "p95_response_time",
        "p95 response time",
        "ms",
        "AI processing time that 95% of the period's assistant messages did not exceed.",
        False,
        False,
        0,
        "response_times",
        lambda r: r.p(95),
    ),
    Metric(
        "avg_satisfaction",
        "Avg satisfaction",
        "/ 5",
        "Mean 1-5 rating of the sessions created in the period that have a rating.",
        True,
        False,
        2,
        "satisfaction",
        lambda s: s.average,
    ),
    Metric(
        "rating_count",
        "Rated sessions",
        "",
        "Sessions created in the period that have a satisfaction rating.",
        True,
        False,
        0,
        "satisfaction",
        lambda s: s.count,
    ),
    Metric(
        "resolution_rate",
        "Resolution rate",
        "%",
        "Share of the period's closed sessions (those with an analytics row) that were resolved.",
        True,
        True,
        1,
        "outcomes",
        lambda o: o.resolution_rate,
    ),
    Metric(
        "escalation_rate",
        "Escalation rate",
        "%",
        "Share of the period's closed sessions (those with an analytics row) escalated to a human.",
        False,
        True,
        1,
        "outcomes",
        lambda o: o.escalation_rate,
    ),
    Metric(
        "avg_engagement",
        "Avg engagement",
        "",
        "Mean engagement score (0-100) of the period's closed sessions: user messages, actions, "
        "topics and duration, each capped (40/25/15/20 points).",
        True,
        False,
        1,
        "outcomes",
        lambda o: o.average_engagement,
    ),
)

METRICS: dict[str, Metric] = {m.key: m for m in CATALOGUE}
