"""Browsing individual sessions: the dashboard's recent-sessions table and a session's transcript."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from data.periods import Period
from data.schema import chat_analytics, chat_messages, chat_sessions, users
from metrics.spans import Selecting, sessions_where

RECENT_LIMIT = 500
TRANSCRIPT_LIMIT = 2000


def recent_sessions(
    conn: Connection,
    period: Period,
    segment: Selecting = None,
    *,
    limit: int = RECENT_LIMIT,
) -> list[dict]:
    """The newest sessions created in the period of the segment (a user type, a topic).

    Open sessions have no analytics row yet: their message count is counted from their messages.
    """
    conds = sessions_where(period, segment)
    so_far = (
        select(func.count()).where(chat_messages.c.session_id == chat_sessions.c.session_id).scalar_subquery()
    )
    stmt = (
        select(
            chat_sessions.c.session_id,
            func.coalesce(users.c.username, "anonymous").label("user"),
            chat_sessions.c.user_type,
            chat_sessions.c.is_active,
            chat_sessions.c.created_at,
            func.coalesce(chat_analytics.c.total_messages, so_far).label("total_messages"),
            chat_analytics.c.average_response_time_ms,
            chat_sessions.c.satisfaction_rating,
            chat_sessions.c.resolved,
            chat_sessions.c.escalated_to_human,
            chat_analytics.c.engagement_score,
        )
        .select_from(
            chat_sessions.outerjoin(users, users.c.id == chat_sessions.c.user_id).outerjoin(
                chat_analytics, chat_analytics.c.session_id == chat_sessions.c.session_id
            )
        )
        .where(*conds)
        .order_by(chat_sessions.c.created_at.desc(), chat_sessions.c.session_id)
        .limit(limit)
    )
    return [dict(row._mapping) for row in conn.execute(stmt)]


def transcript(conn: Connection, session_id: str, limit: int = TRANSCRIPT_LIMIT) -> list[dict]:
    """The session's messages in the order they were sent (sender, time, processing time, cached)."""
    stmt = (
        select(
            chat_messages.c.message_id,
            chat_messages.c.sender_type,
            chat_messages.c.content,
            chat_messages.c.created_at,
            chat_messages.c.processing_time_ms,
            chat_messages.c.is_cached_response,
        )
        .where(chat_messages.c.session_id == session_id)
        .order_by(chat_messages.c.created_at, chat_messages.c.message_id)
        .limit(limit)
    )
    return [dict(row._mapping) for row in conn.execute(stmt)]


def session_header(conn: Connection, session_id: str) -> dict | None:
    """The session's own row with its user's name, or None when there is no such session."""
    row = conn.execute(
        select(
            chat_sessions,
            func.coalesce(users.c.username, "anonymous").label("user"),
        )
        .select_from(chat_sessions.outerjoin(users, users.c.id == chat_sessions.c.user_id))
        .where(chat_sessions.c.session_id == session_id)
    ).first()
    return dict(row._mapping) if row else None


__all__ = ["recent_sessions", "session_header", "transcript"]
