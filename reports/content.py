"""What the report says: every figure from data.metrics for a period and the one before it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from data import metrics
from data.periods import Period

# (block, key, higher is better): the figures compared with the previous period.
COMPARED = (
    ("sessions", "total", True),
    ("sessions", "active", None),
    ("sessions", "closed", True),
    ("messages", "total", True),
    ("messages", "avg_per_session", None),
    ("performance", "avg_response_time_ms", False),
    ("performance", "p50_response_time_ms", False),
    ("performance", "p95_response_time_ms", False),
    ("performance", "resolution_rate", True),
    ("performance", "escalation_rate", False),
    ("performance", "avg_engagement", True),
    ("satisfaction", "average", True),
    ("satisfaction", "count", True),
)
RATES = {"resolution_rate", "escalation_rate"}


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def figures(conn: Connection, period: Period) -> dict:
    """The contract's report blocks for one period (JSON-ready: plain numbers, None when empty)."""
    s = metrics.summary(conn, period)
    times = s.response_times
    return {
        "sessions": {"total": s.sessions.total, "active": s.sessions.active, "closed": s.sessions.closed},
        "messages": {
            "total": s.messages.total,
            "by_sender": dict(s.messages.by_sender),
            "avg_per_session": _round(s.messages.per_session),
        },
        "performance": {
            "avg_response_time_ms": _round(times.average),
            "p50_response_time_ms": _round(times.p(50)),
            "p95_response_time_ms": _round(times.p(95)),
            "resolution_rate": _round(s.outcomes.resolution_rate),
            "escalation_rate": _round(s.outcomes.escalation_rate),
            "avg_engagement": _round(s.outcomes.average_engagement),
        },
        "satisfaction": {
            "average": _round(s.satisfaction.average),
            "count": s.satisfaction.count,
            "distribution": {str(r): n for r, n in s.satisfaction.distribution.items()},
        },
        "top_topics": [{"topic": t.topic, "count": t.count} for t in s.top_topics],
        "common_issues": [{"topic": t.topic, "count": t.count} for t in s.common_issues],
        "user_types": dict(s.user_types),
        "peak_hours": [
            {"hour": hour, "messages": n} for hour, n in sorted(s.peak_hours, key=lambda p: (-p[1], p[0]))
        ],
    }


def _change(now: float | None, before: float | None, rate: bool) -> dict | None:
    """{"delta", "percent"} between two figures; percent is None when the previous one is 0 or missing."""
    if now is None or before is None:
        return None
    delta = now - before
    percent = None if rate or before == 0 else round(delta / before * 100, 1)
    return {"delta": round(delta, 2), "percent": percent}


def _iso(moment: datetime, period: Period) -> str:
    return moment.astimezone(period.tz).isoformat(timespec="seconds")


def build_report(conn: Connection, period: Period, days: int, generated_at: datetime) -> dict:
    """The whole report: the period's figures, the previous period's, and the change of each."""
    previous = period.previous()
    current, before = figures(conn, period), figures(conn, previous)
    change: dict[str, dict] = {}
    for block, key, _ in COMPARED:
        change.setdefault(block, {})[key] = _change(current[block][key], before[block][key], key in RATES)
    return {
        "period": {
            "start": _iso(period.start, period),
            "end": _iso(period.end, period),
            "days": days,
            "label": period.label,
            "timezone": period.tz.key,
        },
        **current,
        "previous": {
            "period": {"start": _iso(previous.start, period), "end": _iso(previous.end, period)},
            **{k: v for k, v in before.items() if k not in ("top_topics", "common_issues", "peak_hours")},
        },
        "change": change,
        "generated_at": _iso(generated_at, period),
    }
