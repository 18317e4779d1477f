"""GET /admin/chat-analytics/api/: the real-time figures as JSON (staff only, via the guard)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, jsonify, request

import metrics
from data.errors import FieldError
from metrics.catalogue import CATALOGUE
from metrics.filters import parse_filters
from metrics.numbers import rounded
from web.context import services
from web.paths import DASHBOARD_PATH

blueprint = Blueprint("realtime_api", __name__)
API_DEFAULT_PRESET = "24h"
SEGMENT_PARAMS = ("topic", "resolved", "escalated", "rating", "duration", "messages", "cached")


@blueprint.get(DASHBOARD_PATH + "api/")
def realtime():
    """Active sessions now, and every catalogue figure of the period (default: last 24 hours) for
    the segment (user type, topic, resolved, escalated, rating) the query selects."""
    ctx = services()
    tz = ctx.config.tz
    try:
        filters = parse_filters(request.args, default_preset=API_DEFAULT_PRESET)
        period = filters.period(tz)
    except FieldError as exc:
        return jsonify(error=str(exc), field=exc.field), 400
    user_type = filters.user_type
    with ctx.reader.connect() as conn:  # a failure becomes a 503 (web.errors)
        active = metrics.active_sessions(conn, user_type)
        figures = metrics.headline(conn, period, filters.segment)
    body = {m.key: rounded(m.of(figures)) for m in CATALOGUE if m.periodic}
    body.update(
        active_sessions=active,
        timestamp=datetime.now(tz).isoformat(timespec="seconds"),
        period={
            "preset": period.preset,
            "start_date": filters.start_date,
            "end_date": filters.end_date,
            "start": period.start.astimezone(tz).isoformat(timespec="seconds"),
            "end": period.end.astimezone(tz).isoformat(timespec="seconds"),
            "user_type": user_type,
            **{name: value for name, value in filters.params().items() if name in SEGMENT_PARAMS},
        },
    )
    return jsonify(body), 200, {"Cache-Control": "no-store"}
