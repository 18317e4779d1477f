"""What rollup_topics and rollup_topic_response count per topic discussed, spelled in SQL over the
base tables: the rebuild reads it, and so do the partial hours at a period's edges."""

from __future__ import annotations

from sqlalchemy import and_, case, func

from data.counters import ANALYTICS_COUNTERS, unresolved_sql
from data.schema import TOPIC_COUNTERS, chat_analytics, chat_messages, chat_sessions, session_topics

# The analytics counters rollup_topics keeps per topic too (data.counters defines them).
TOPIC_ANALYTICS_COUNTERS = tuple(c for c in ANALYTICS_COUNTERS if c.name in TOPIC_COUNTERS)

_s, _t, _a, _m = chat_sessions.c, session_topics.c, chat_analytics.c, chat_messages.c


def topic_sessions_from():
    """FROM clause: each (session, topic) pair with its session and, once closed, its analytics row."""
    return session_topics.join(chat_sessions, _s.session_id == _t.session_id).outerjoin(
        chat_analytics, _a.session_id == _t.session_id
    )


def topic_sums_sql() -> list:
    """SQL: rollup_topics' counters, in TOPIC_COUNTERS order, over rows of `topic_sessions_from`."""
    per_row = [
        case((unresolved_sql(), 1), else_=0),
        *(counter.sql() for counter in TOPIC_ANALYTICS_COUNTERS),
        case((_s.satisfaction_rating.is_not(None), 1), else_=0),
        func.coalesce(_s.satisfaction_rating, 0),
        case((_a.session_id.is_not(None), _a.total_messages), else_=0),
        case((_a.total_messages > 0, 1), else_=0),
    ]
    return [func.count(), *(func.coalesce(func.sum(v), 0) for v in per_row)]


def topic_answers_from():
    """FROM clause: each assistant answer with a processing time of a closed session, once per
    topic the session discussed."""
    return (
        session_topics.join(chat_sessions, _s.session_id == _t.session_id)
        .join(chat_analytics, _a.session_id == _t.session_id)
        .join(
            chat_messages,
            and_(
                _m.session_id == _t.session_id,
                _m.sender_type == "assistant",
                _m.processing_time_ms.is_not(None),
            ),
        )
    )
