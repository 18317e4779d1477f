"""What a closed session's analytics row adds to the hourly rollup counters.

One declaration per counter, in two spellings side by side: SQL over chat_analytics (the rebuild
and the partial hours at a period's edges read it) and Python over the row being written (the
write path adds it). Changing what "resolved" counts is a change to one line here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Integer, case, cast, func

from data.schema import chat_analytics

_a = chat_analytics.c


def tenths(score: float) -> int:
    """An engagement score (one decimal) in tenths."""
    return round(score * 10)


@dataclass(frozen=True)
class AnalyticsCounter:
    """A rollup_hours column summing one value per analytics row."""

    name: str
    sql: Callable[[], ColumnElement]  # per row of chat_analytics (NULL or 0 where it has none)
    of: Callable[[Mapping], int]  # the same value for an analytics row being written


ANALYTICS_COUNTERS = (
    AnalyticsCounter("analysed", lambda: case((_a.session_id.is_not(None), 1), else_=0), lambda row: 1),
    AnalyticsCounter("resolved", lambda: case((_a.resolved, 1), else_=0), lambda row: int(row["resolved"])),
    AnalyticsCounter(
        "escalated",
        lambda: case((_a.escalated_to_human, 1), else_=0),
        lambda row: int(row["escalated_to_human"]),
    ),
    # Scores have one decimal, so score * 10 is within 1e-12 of a whole number: SQL's and
    # Python's rounding rules never disagree on it.
    AnalyticsCounter(
        "engagement_tenths",
        lambda: cast(func.round(_a.engagement_score * 10), Integer),
        lambda row: tenths(row["engagement_score"]),
    ),
)


def unresolved_sql() -> ColumnElement:
    """SQL: the analytics row counts its session's topics among the common issues."""
    return _a.resolved.is_(False)


def unresolved(row: Mapping) -> bool:
    """The same test for an analytics row being written."""
    return not row["resolved"]


def sums_sql() -> list:
    """SQL: each counter summed over the selected analytics rows (0 when none), in declaration order."""
    return [func.coalesce(func.sum(c.sql()), 0) for c in ANALYTICS_COUNTERS]
