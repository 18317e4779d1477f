"""Every figure of a period at once: the headline (cards, API, report, alerts) and the full summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection

from data.periods import Period
from metrics.counts import active_sessions, message_counts, session_counts, user_type_distribution
from metrics.quality import outcomes, response_times, satisfaction
from metrics.results import (
    Headline,
    MessageCounts,
    Outcomes,
    ResponseTimes,
    Satisfaction,
    SessionCounts,
    TopicCount,
)
from metrics.series import peak_hours
from metrics.spans import Selecting, one_read_per_period
from metrics.topics import common_issues, top_topics

HEADLINE_PERCENTILES = (50, 95)


def headline(conn: Connection, period: Period, segment: Selecting = None) -> Headline:
    """Sessions, messages, response times (p50/p95), satisfaction and outcomes for the period."""
    with one_read_per_period():
        return Headline(
            sessions=session_counts(conn, period, segment),
            messages=message_counts(conn, period, segment),
            response_times=response_times(conn, period, segment, HEADLINE_PERCENTILES),
            satisfaction=satisfaction(conn, period, segment),
            outcomes=outcomes(conn, period, segment),
        )


@dataclass(frozen=True)
class Summary:
    """All figures of the contract for one period; what the report serialises."""

    period: Period
    segment: Selecting
    sessions: SessionCounts
    messages: MessageCounts
    response_times: ResponseTimes
    satisfaction: Satisfaction
    outcomes: Outcomes
    top_topics: list[TopicCount]
    common_issues: list[TopicCount]
    user_types: dict[str, int]
    peak_hours: list[tuple[int, int]]
    active_now: int
    computed_at: datetime


def summary(conn: Connection, period: Period, segment: Selecting = None) -> Summary:
    """Every metric of the contract for one period and optional user type."""
    with one_read_per_period():
        return Summary(
            period=period,
            segment=segment,
            sessions=session_counts(conn, period, segment),
            messages=message_counts(conn, period, segment),
            response_times=response_times(conn, period, segment),
            satisfaction=satisfaction(conn, period, segment),
            outcomes=outcomes(conn, period, segment),
            top_topics=top_topics(conn, period, segment),
            common_issues=common_issues(conn, period, segment),
            user_types=user_type_distribution(conn, period, segment),
            peak_hours=peak_hours(conn, period, segment),
            active_now=active_sessions(conn, segment),
            computed_at=datetime.now(UTC),
        )
