"""GET /admin/chat-analytics/api/: the real-time figures as JSON (staff only, via the guard)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, jsonify, request

from data import metrics
from data.periods import PeriodError, resolve_period
from data.schema import SESSION_USER_TYPES
from web.context import services
from web.paths import DASHBOARD_PATH

blueprint = Blueprint("realtime_api", __name__)


def _rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


@blueprint.get(DASHBOARD_PATH + "api/")
def realtime():
    """Active sessions now, and the period's (default: last 24 hours) response time and satisfaction."""
    ctx = services()
    tz = ctx.config.tz
    user_type = request.args.get("user_type") or None
    if user_type is not None and user_type not in SESSION_USER_TYPES:
        return jsonify(
            error=f"user_type must be one of {', '.join(SESSION_USER_TYPES)}", field="user_type"
        ), 400
    try:
        period = resolve_period(
            tz,
            request.args.get("period") or None,
            request.args.get("start_date") or None,
            request.args.get("end_date") or None,
            default="24h",
        )
    except PeriodError as exc:
        return jsonify(error=str(exc), field=exc.field), 400
    with ctx.engine.connect() as conn:  # a failure becomes a 503 (web.errors)
        active = metrics.active_sessions(conn, user_type)
        figures = metrics.headline(conn, period, user_type)
    times, rated, outcomes = figures.response_times, figures.satisfaction, figures.outcomes
    body = {
        "active_sessions": active,
        "avg_response_time": _rounded(times.average),
        "avg_satisfaction": _rounded(rated.average),
        "timestamp": datetime.now(tz).isoformat(timespec="seconds"),
        "period": {
            "preset": period.preset,
            "start_date": period.first_day.isoformat() if period.first_day else None,
            "end_date": period.last_day.isoformat() if period.last_day else None,
            "start": period.start.astimezone(tz).isoformat(timespec="seconds"),
            "end": period.end.astimezone(tz).isoformat(timespec="seconds"),
            "user_type": user_type,
        },
        "p50_response_time": _rounded(times.p(50)),
        "p95_response_time": _rounded(times.p(95)),
        "rating_count": rated.count,
        "sessions": figures.sessions.total,
        "messages": figures.messages.total,
        "resolution_rate": _rounded(outcomes.resolution_rate),
        "escalation_rate": _rounded(outcomes.escalation_rate),
    }
    return jsonify(body), 200, {"Cache-Control": "no-store"}
