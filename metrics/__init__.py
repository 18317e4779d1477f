"""Every metric of the contract (section 2): what each means (catalogue), how it is read fast
(spans, percentiles, localtime), and the figures the views show (counts, quality, topics, series).
"""

from metrics.counts import (
    active_sessions,
    message_counts,
    session_counts,
    sessions_with_messages,
    user_type_distribution,
)
from metrics.headline import HEADLINE_PERCENTILES, Summary, headline, summary
from metrics.quality import PERCENTILES, outcomes, response_times, satisfaction
from metrics.results import (
    Headline,
    MessageCounts,
    Outcomes,
    ResponseTimes,
    Satisfaction,
    SessionCounts,
    TopicCount,
)
from metrics.series import (
    activity_over_time,
    hourly_messages,
    hourly_sessions,
    peak_hours,
    response_time_series,
    weekday_hour_matrix,
)
from metrics.topics import TOP_TOPICS_LIMIT, common_issues, top_topics, topic_counts

__all__ = [
    "HEADLINE_PERCENTILES",
    "PERCENTILES",
    "TOP_TOPICS_LIMIT",
    "Headline",
    "MessageCounts",
    "Outcomes",
    "ResponseTimes",
    "Satisfaction",
    "SessionCounts",
    "Summary",
    "TopicCount",
    "active_sessions",
    "activity_over_time",
    "common_issues",
    "headline",
    "hourly_messages",
    "hourly_sessions",
    "message_counts",
    "outcomes",
    "peak_hours",
    "response_time_series",
    "response_times",
    "satisfaction",
    "session_counts",
    "sessions_with_messages",
    "summary",
    "top_topics",
    "topic_counts",
    "user_type_distribution",
    "weekday_hour_matrix",
]
