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
from metrics.topics import common_issues, top_topics

HEADLINE_PERCENTILES = (50, 95)


def headline(conn: Connection, period: Period, user_type: str | None = None) -> Headline:
    """Sessions, messages, response times (p50/p95), satisfaction and outcomes for the period."""
    return Headline(
        sessions=session_counts(conn, period, user_type),
        messages=message_counts(conn, period, user_type),
        response_times=response_times(conn, period, user_type, HEADLINE_PERCENTILES),
        satisfaction=satisfaction(conn, period, user_type),
        outcomes=outcomes(conn, period, user_type),
    )


@dataclass(frozen=True)
class Summary:
    """All figures of the contract for one period; what the report serialises."""

    period: Period
    user_type: str | None
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


def summary(conn: Connection, period: Period, user_type: str | None = None) -> Summary:
    """Every metric of the contract for one period and optional user type."""
    return Summary(
        period=period,
        user_type=user_type,
        sessions=session_counts(conn, period, user_type),
        messages=message_counts(conn, period, user_type),
        response_times=response_times(conn, period, user_type),
        satisfaction=satisfaction(conn, period, user_type),
        outcomes=outcomes(conn, period, user_type),
        top_topics=top_topics(conn, period, user_type),
        common_issues=common_issues(conn, period, user_type),
        user_types=user_type_distribution(conn, period, user_type),
        peak_hours=peak_hours(conn, period, user_type),
        active_now=active_sessions(conn, user_type),
        computed_at=datetime.now(UTC),
    )
