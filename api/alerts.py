"""GET /admin/chat-analytics/api/alerts/: the alerts firing now and the recent ones (staff only, via the guard)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, jsonify

from alerts.history import Alert, firing, recent
from metrics.catalogue import METRICS
from metrics.numbers import rounded
from web.context import services
from web.paths import ALERTS_API_PATH

blueprint = Blueprint("alerts_api", __name__)


def _when(moment: datetime | None, tz: ZoneInfo) -> str | None:
    return moment.astimezone(tz).isoformat(timespec="seconds") if moment else None


def alert_json(alert: Alert, tz: ZoneInfo) -> dict:
    """One alert as the API lists it."""
    return {
        "id": alert.id,
        "rule_id": alert.rule_id,
        "rule": alert.rule,
        "metric": alert.metric,
        "metric_label": METRICS[alert.metric].label,
        "condition": alert.condition,
        "window": alert.window,
        "state": "firing" if alert.firing else "resolved",
        "value": rounded(alert.value),
        "threshold": rounded(alert.threshold),
        "baseline": rounded(alert.baseline),
        "recovered_value": rounded(alert.recovered_value),
        "started_at": _when(alert.started_at, tz),
        "resolved_at": _when(alert.resolved_at, tz),
    }


@blueprint.get(ALERTS_API_PATH)
def alerts_api():
    """Firing alerts (newest first) and the latest alerts, firing or resolved."""
    ctx = services()
    tz = ctx.config.tz
    with ctx.reader.connect() as conn:  # a failure becomes a 503 (web.errors)
        body = {
            "firing": [alert_json(a, tz) for a in firing(conn)],
            "recent": [alert_json(a, tz) for a in recent(conn)],
        }
    return jsonify(body), 200, {"Cache-Control": "no-store"}
