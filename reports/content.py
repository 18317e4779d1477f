"""What the report says: every figure from metrics for a period and the one before it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

import metrics
from data.periods import Period
from metrics.catalogue import METRICS, Metric
from metrics.change import metric_change
from metrics.numbers import rounded

# The report's compared figures: contract JSON block -> {JSON key: catalogue metric}, in order.
BLOCKS: dict[str, dict[str, Metric]] = {
    block: {name: METRICS[key] for name, key in keys.items()}
    for block, keys in {
        "sessions": {"total": "sessions", "active": "sessions_open", "closed": "sessions_closed"},
        "messages": {"total": "messages", "avg_per_session": "messages_per_session"},
        "performance": {
            "avg_response_time_ms": "avg_response_time",
            "p50_response_time_ms": "p50_response_time",
            "p95_response_time_ms": "p95_response_time",
            "resolution_rate": "resolution_rate",
            "escalation_rate": "escalation_rate",
            "avg_engagement": "avg_engagement",
        },
        "satisfaction": {"average": "avg_satisfaction", "count": "rating_count"},
    }.items()
}


def figures(conn: Connection, period: Period) -> dict:
    """The contract's report blocks for one period (JSON-ready: plain numbers, None when empty)."""
    s = metrics.summary(conn, period)
    out: dict = {
        block: {name: rounded(metric.of(s)) for name, metric in fields.items()}
        for block, fields in BLOCKS.items()
    }
    out["messages"]["by_sender"] = dict(s.messages.by_sender)
    out["satisfaction"]["distribution"] = {str(r): n for r, n in s.satisfaction.distribution.items()}
    out["top_topics"] = [{"topic": t.topic, "count": t.count} for t in s.top_topics]
    out["common_issues"] = [{"topic": t.topic, "count": t.count} for t in s.common_issues]
    out["user_types"] = dict(s.user_types)
    out["peak_hours"] = [
        {"hour": hour, "messages": n} for hour, n in sorted(s.peak_hours, key=lambda p: (-p[1], p[0]))
    ]
    return out


def change_entry(metric: Metric | None, now: float | None, before: float | None) -> dict | None:
    """{"delta", "percent"} between two figures; percent is None for rates and when the previous is 0."""
    moved = metric_change(metric, now, before) if metric else None
    if moved is None:
        return None
    return {
        "delta": round(moved.delta, 2),
        "percent": None if moved.percent is None else round(moved.percent, 1),
    }


def _iso(moment: datetime, period: Period) -> str:
    return moment.astimezone(period.tz).isoformat(timespec="seconds")


def build_report(conn: Connection, period: Period, days: int, generated_at: datetime) -> dict:
    """The whole report: the period's figures, the previous period's, and the change of each."""
    previous = period.previous()
    current, before = figures(conn, period), figures(conn, previous)
    change = {
        block: {
            name: change_entry(m, current[block][name], before[block][name]) for name, m in fields.items()
        }
        for block, fields in BLOCKS.items()
    }
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
