"""GET /admin/chat-analytics/api/topics/: the topic explorer's rows as JSON (staff only, via the guard)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from data.errors import FieldError
from explorer.query import parse_query
from metrics.numbers import rounded
from metrics.topic_table import SMALL_SAMPLE, TopicRow, ordered, topic_table
from web.context import services
from web.paths import TOPICS_API_PATH

SEGMENT_PARAMS = ("resolved", "escalated", "rating", "duration", "messages", "cached")

blueprint = Blueprint("topics_api", __name__)


def topic_json(row: TopicRow) -> dict:
    """One topic's figures as the API gives them (rates in %, times in ms, rounded)."""
    moved = row.change
    return {
        "topic": row.topic,
        "sessions": row.sessions,
        "share": rounded(row.share),
        "previous_sessions": row.previous_sessions,
        "change_percent": rounded(moved.percent) if moved else None,
        "closed_sessions": row.analysed,
        "resolution_rate": rounded(row.resolution_rate),
        "escalation_rate": rounded(row.escalation_rate),
        "escalations": row.escalated,
        "unresolved_volume": rounded(row.unresolved_volume),
        "avg_satisfaction": rounded(row.avg_satisfaction),
        "rating_count": row.rating_count,
        "p50_response_time_ms": rounded(row.p50_response_time_ms),
        "p95_response_time_ms": rounded(row.p95_response_time_ms),
        "messages_per_session": rounded(row.messages_per_session),
        "small_sample": row.small_sample,
        "daily_sessions": list(row.daily),
    }


@blueprint.get(TOPICS_API_PATH)
def topics():
    """Every topic of the period (default: last 7 days) and user type, in the requested order."""
    ctx = services()
    tz = ctx.config.tz
    try:
        query = parse_query(request.args)
        period = query.filters.period(tz)
    except FieldError as exc:
        return jsonify(error=str(exc), field=exc.field), 400
    with ctx.reader.connect() as conn:  # a failure becomes a 503 (web.errors)
        table = topic_table(conn, period, query.filters.segment)
    body = {
        "topics": [topic_json(row) for row in ordered(table.rows, query.sort, query.descending)],
        "total_sessions": table.total_sessions,
        "sort": query.sort,
        "dir": "desc" if query.direction else "asc",
        "small_sample_below": SMALL_SAMPLE,
        "period": {
            "preset": period.preset,
            "start_date": query.filters.start_date,
            "end_date": query.filters.end_date,
            "start": period.start.astimezone(tz).isoformat(timespec="seconds"),
            "end": period.end.astimezone(tz).isoformat(timespec="seconds"),
            "user_type": query.filters.user_type,
            **{
                name: query.filters.params()[name]
                for name in SEGMENT_PARAMS
                if name in query.filters.params()
            },
            "hourly": period.hourly,
            "buckets": [start.isoformat(timespec="seconds") for start in table.buckets],
        },
    }
    return jsonify(body), 200, {"Cache-Control": "no-store"}
