"""What the report says: every figure from metrics for a period and the one before it, the topics
that grew, the alerts that started in it, and the expected next week."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

import metrics
from alerts import history
from data.periods import Period
from metrics.catalogue import METRICS, Metric
from metrics.change import metric_change
from metrics.forecast import next_week
from metrics.numbers import rounded
from metrics.topics import emerging_topics

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


def emerging(conn: Connection, period: Period) -> list[dict]:
    """The topics whose share of sessions grew most against the previous period, with counts."""
    return [
        {
            "topic": e.topic,
            "sessions": e.sessions,
            "previous_sessions": e.previous_sessions,
            "share": round(e.share, 2),
            "previous_share": None if e.previous_share is None else round(e.previous_share, 2),
            "growth_points": round(e.growth, 2),
        }
        for e in emerging_topics(conn, period)
    ]


def alerts_in(conn: Connection, period: Period) -> list[dict]:
    """The alerts that started in the period, oldest first, times in the period's zone."""
    return [
        {
            "rule": a.rule,
            "metric": a.metric,
            "condition": a.condition,
            "window": a.window,
            "value": rounded(a.value),
            "threshold": rounded(a.threshold),
            "baseline": rounded(a.baseline),
            "started_at": _iso(a.started_at, period),
            "resolved_at": None if a.resolved_at is None else _iso(a.resolved_at, period),
        }
        for a in history.started_between(conn, period.start, period.end)
    ]


def build_report(conn: Connection, period: Period, days: int, generated_at: datetime) -> dict:
    """The whole report: the period's figures, the previous period's, the change of each, the
    emerging topics, the alerts that started in the period and the next week's forecast."""
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
        "emerging_topics": emerging(conn, period),
        "alerts": alerts_in(conn, period),
        "next_week": next_week(conn, period),
        "generated_at": _iso(generated_at, period),
    }
