"""The three exports: their columns, the SQL that feeds them, and how a row becomes cells."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select

from data.schema import audit_log, chat_analytics, chat_messages, chat_sessions, users
from exports import cells
from metrics.filters import VIEW_FIELDS, Filters
from metrics.spans import segment_conditions

_USER = func.coalesce(users.c.username, "anonymous").label("user")


@dataclass(frozen=True)
class Selection:
    """The rows an export request asks for: its filters and the [start, end) they stand for."""

    filters: Filters
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class ExportKind:
    """One export: file name stem, header row, allowed filters, query and row formatter."""

    name: str
    columns: tuple[str, ...]
    filters: frozenset[str]
    query: Callable[[Selection], Select]
    cells: Callable[[object, ZoneInfo], list[str]]


def _in_range(stmt: Select, column, sel: Selection) -> Select:
    if sel.start is not None:
        stmt = stmt.where(column >= sel.start)
    if sel.end is not None:
        stmt = stmt.where(column < sel.end)
    return stmt


def _of_sessions(stmt: Select, f: Filters) -> Select:
    """Keep the rows whose session is of the filters' segment (user type, topic, outcome, rating),
    as the view's figures count them (metrics.spans)."""
    if f.user_type:
        stmt = stmt.where(chat_sessions.c.user_type == f.user_type)
    return stmt.where(*segment_conditions(f.segment))


def _topics(value) -> str:
    return "; ".join(value or [])


def _sessions_query(sel: Selection) -> Select:
    f = sel.filters
    stmt = select(
        chat_sessions.c.session_id,
        _USER,
        chat_sessions.c.user_type,
        chat_sessions.c.is_active,
        chat_sessions.c.created_at,
        chat_sessions.c.updated_at,
        chat_sessions.c.closed_at,
        chat_analytics.c.total_messages,
        chat_analytics.c.user_messages,
        chat_analytics.c.assistant_messages,
        chat_analytics.c.average_response_time_ms,
        chat_sessions.c.satisfaction_rating,
        chat_sessions.c.resolved,
        chat_analytics.c.topics_discussed,
        chat_analytics.c.engagement_score,
    ).select_from(
        chat_sessions.outerjoin(users, users.c.id == chat_sessions.c.user_id).outerjoin(
            chat_analytics, chat_analytics.c.session_id == chat_sessions.c.session_id
        )
    )
    stmt = _of_sessions(_in_range(stmt, chat_sessions.c.created_at, sel), f)
    if f.is_active is not None:
        stmt = stmt.where(chat_sessions.c.is_active.is_(f.is_active))
    return stmt.order_by(chat_sessions.c.created_at, chat_sessions.c.session_id)


def _session_cells(r, tz: ZoneInfo) -> list[str]:
    return [
        r.session_id,
        r.user,
        r.user_type,
        "active" if r.is_active else "closed",
        cells.timestamp(r.created_at, tz),
        cells.timestamp(r.updated_at, tz),
        cells.timestamp(r.closed_at, tz),
        cells.number(r.total_messages),
        cells.number(r.user_messages),
        cells.number(r.assistant_messages),
        cells.number(r.average_response_time_ms, 1),
        cells.number(r.satisfaction_rating),
        cells.boolean(r.resolved),
        _topics(r.topics_discussed),
        cells.number(r.engagement_score, 1),
    ]


def _messages_query(sel: Selection) -> Select:
    f = sel.filters
    stmt = select(
        chat_messages.c.message_id,
        chat_messages.c.session_id,
        _USER,
        chat_messages.c.sender_type,
        chat_messages.c.content,
        chat_messages.c.created_at,
        chat_messages.c.processing_time_ms,
        chat_messages.c.is_cached_response,
        chat_messages.c.metadata,
    ).select_from(
        chat_messages.join(chat_sessions, chat_sessions.c.session_id == chat_messages.c.session_id).outerjoin(
            users, users.c.id == chat_sessions.c.user_id
        )
    )
    stmt = _of_sessions(_in_range(stmt, chat_messages.c.created_at, sel), f)
    if f.session_id:
        stmt = stmt.where(chat_messages.c.session_id == f.session_id)
    if f.sender_type:
        stmt = stmt.where(chat_messages.c.sender_type == f.sender_type)
    return stmt.order_by(chat_messages.c.created_at, chat_messages.c.message_id)


def _message_cells(r, tz: ZoneInfo) -> list[str]:
    # Unpacked by position: the biggest export, and attribute access per cell costs.
    message_id, session_id, user, sender_type, content, created_at, ms, cached, metadata = r
    return [
        message_id,
        session_id,
        user,
        sender_type,
        content,
        cells.timestamp(created_at, tz),
        cells.number(ms, 1),
        cells.boolean(cached),
        cells.json_text(metadata),
    ]


def _analytics_query(sel: Selection) -> Select:
    f = sel.filters
    stmt = select(
        chat_analytics.c.analytics_id,
        chat_analytics.c.session_id,
        _USER,
        chat_analytics.c.total_messages,
        chat_analytics.c.user_messages,
        chat_analytics.c.assistant_messages,
        chat_analytics.c.average_response_time_ms,
        chat_analytics.c.resolved,
        chat_analytics.c.escalated_to_human,
        chat_analytics.c.topics_discussed,
        chat_analytics.c.actions_taken,
        chat_analytics.c.engagement_score,
        chat_sessions.c.created_at,
        chat_sessions.c.closed_at,
    ).select_from(
        chat_analytics.join(
            chat_sessions, chat_sessions.c.session_id == chat_analytics.c.session_id
        ).outerjoin(users, users.c.id == chat_sessions.c.user_id)
    )
    stmt = _of_sessions(_in_range(stmt, chat_sessions.c.created_at, sel), f)
    return stmt.order_by(chat_sessions.c.created_at, chat_analytics.c.session_id)


def _analytics_cells(r, tz: ZoneInfo) -> list[str]:
    duration = (r.closed_at - r.created_at).total_seconds() if r.closed_at else None
    return [
        r.analytics_id,
        r.session_id,
        r.user,
        cells.number(r.total_messages),
        cells.number(r.user_messages),
        cells.number(r.assistant_messages),
        cells.number(r.average_response_time_ms, 1),
        cells.boolean(r.resolved),
        cells.boolean(r.escalated_to_human),
        _topics(r.topics_discussed),
        cells.json_text(r.actions_taken),
        cells.number(r.engagement_score, 1),
        cells.number(duration, 1),
    ]


def _audit_query(sel: Selection) -> Select:
    f = sel.filters
    stmt = _in_range(select(audit_log), audit_log.c.at, sel)
    if f.action:
        stmt = stmt.where(audit_log.c.action == f.action)
    return stmt.order_by(audit_log.c.at, audit_log.c.id)


def _audit_cells(r, tz: ZoneInfo) -> list[str]:
    return [cells.timestamp(r.at, tz), r.action, r.actor or "", r.ip or "", cells.json_text(r.detail)]


EXPORTS: dict[str, ExportKind] = {
    "sessions": ExportKind(
        "chat-sessions",
        (
            "Session ID",
            "User",
            "User Type",
            "Status",
            "Created",
            "Updated",
            "Closed",
            "Total Messages",
            "User Messages",
            "Assistant Messages",
            "Average Response Time (ms)",
            "Satisfaction Rating",
            "Resolved",
            "Topics",
            "Engagement Score",
        ),
        VIEW_FIELDS | {"is_active"},
        _sessions_query,
        _session_cells,
    ),
    "messages": ExportKind(
        "chat-messages",
        (
            "Message ID",
            "Session ID",
            "User",
            "Sender Type",
            "Content",
            "Created",
            "Processing Time (ms)",
            "Cached Response",
            "Metadata",
        ),
        VIEW_FIELDS | {"session_id", "sender_type"},
        _messages_query,
        _message_cells,
    ),
    "analytics": ExportKind(
        "chat-analytics",
        (
            "Analytics ID",
            "Session ID",
            "User",
            "Total Messages",
            "User Messages",
            "Assistant Messages",
            "Average Response Time (ms)",
            "Resolved",
            "Escalated",
            "Topics",
            "Actions",
            "Engagement Score",
            "Duration (s)",
        ),
        VIEW_FIELDS,
        _analytics_query,
        _analytics_cells,
    ),
    # Not in the contract: the audit trail, for staff reviewing who signed in and exported what.
    "audit": ExportKind(
        "chat-analytics-audit",
        ("At", "Action", "Actor", "IP", "Detail"),
        frozenset({"period", "start_date", "end_date", "action"}),
        _audit_query,
        _audit_cells,
    ),
}
