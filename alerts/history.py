"""What fired and what failed: the alerts firing now, the recent ones, and undelivered notices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from alerts.webhooks import shown
from data.schema import alert_deliveries, alert_destinations, alert_events, alert_rules, alert_states

RECENT = 50


@dataclass(frozen=True)
class Alert:
    """One alert event of a rule: firing until `resolved_at`."""

    id: int
    rule_id: int
    rule: str
    metric: str
    condition: str
    window: str
    value: float | None
    threshold: float | None
    baseline: float | None
    started_at: datetime
    resolved_at: datetime | None
    recovered_value: float | None
    window_start: datetime | None = None  # of the window whose figure made it fire

    @property
    def firing(self) -> bool:
        return self.resolved_at is None


@dataclass(frozen=True)
class FailedDelivery:
    """A notice not delivered (yet): retried at `next_attempt_at`, or given up when that is None."""

    id: int
    rule: str
    notice: str
    kind: str
    target: str  # webhooks without their path
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime


def _alerts(conn: Connection, *conditions, limit: int) -> list[Alert]:
    e, r = alert_events.c, alert_rules.c
    rows = conn.execute(
        select(
            e.id,
            e.rule_id,
            r.name,
            r.metric,
            r.condition,
            r.window,
            e.value,
            e.threshold,
            e.baseline,
            e.started_at,
            e.resolved_at,
            e.recovered_value,
            e.window_start,
        )  # fmt: skip
        .select_from(alert_events.join(alert_rules, r.id == e.rule_id))
        .where(*conditions)
        .order_by(e.started_at.desc(), e.id.desc())
        .limit(limit)
    )
    return [Alert(*row) for row in rows]


def firing(conn: Connection) -> list[Alert]:
    """The alerts firing now (their rule's state is firing on that very event), newest first."""
    s = alert_states.c
    return _alerts(
        conn,
        alert_events.c.id.in_(select(s.event_id).where(s.state == "firing", s.event_id.is_not(None))),
        limit=1000,
    )


def recent(conn: Connection, limit: int = RECENT) -> list[Alert]:
    """The latest alerts, firing or resolved, newest first."""
    return _alerts(conn, limit=limit)


def started_between(conn: Connection, start: datetime, end: datetime, limit: int = RECENT) -> list[Alert]:
    """Alerts that started in [start, end), firing or resolved since, oldest first."""
    e = alert_events.c
    found = _alerts(conn, e.started_at >= start, e.started_at < end, limit=limit)
    return sorted(found, key=lambda a: (a.started_at, a.id))


def overlapping(conn: Connection, start: datetime, end: datetime, limit: int = RECENT) -> list[Alert]:
    """Alerts firing at some moment of [start, end) (started before its end, not resolved before
    its start), oldest first."""
    e = alert_events.c
    found = _alerts(
        conn,
        e.started_at < end,
        (e.resolved_at.is_(None)) | (e.resolved_at > start),
        limit=limit,
    )
    return sorted(found, key=lambda a: (a.started_at, a.id))


def failed_deliveries(conn: Connection, limit: int = RECENT) -> list[FailedDelivery]:
    """Notices whose last attempt failed, still retried or given up, newest first."""
    d, dest, r = alert_deliveries.c, alert_destinations.c, alert_rules.c
    rows = conn.execute(
        select(
            d.id,
            r.name,
            d.notice,
            dest.kind,
            dest.target,
            d.attempts,
            d.next_attempt_at,
            d.last_error,
            d.created_at,
        )  # fmt: skip
        .select_from(
            alert_deliveries.join(alert_destinations, dest.id == d.destination_id).join(
                alert_rules, r.id == dest.rule_id
            )
        )
        .where(d.delivered_at.is_(None), d.last_error.is_not(None))
        .order_by(d.created_at.desc(), d.id.desc())
        .limit(limit)
    )
    return [
        FailedDelivery(
            row.id,
            row.name,
            row.notice,
            row.kind,
            row.target if row.kind == "email" else shown(row.target),
            row.attempts,
            row.next_attempt_at,
            row.last_error,
            row.created_at,
        )  # fmt: skip
        for row in rows
    ]
