"""Evaluating a rule: read its metric over the last completed window, decide whether it breaches,
and move its state with a compare-and-set so that each change (and its notices) happens once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, insert, select, update

from alerts.anomalies import baseline_of, enough_data
from alerts.rules import Rule
from alerts.samples import figure_and_sample, rule_segment
from alerts.windows import last_completed
from data.periods import Period
from data.schema import alert_deliveries, alert_destinations, alert_events, alert_states
from metrics.catalogue import METRICS


@dataclass(frozen=True)
class Reading:
    """A rule's figure over one window, and whether it breaches (None: too little data to say)."""

    window: Period
    value: float | None
    sample: int
    threshold: float | None
    baseline: float | None
    breached: bool | None


@dataclass(frozen=True)
class Change:
    """A state change one evaluator made: "firing" or "recovered", with the event it opened or closed."""

    rule: Rule
    reading: Reading
    change: str
    event_id: int
    notices: int


def read(conn: Connection, rule: Rule, now: datetime, tz: ZoneInfo) -> Reading:
    """The rule's figure over its last completed window, and its verdict."""
    window = last_completed(rule.window, now, tz)
    metric = METRICS[rule.metric]
    segment = rule_segment(rule.user_type, rule.topic)
    value, sample = figure_and_sample(conn, metric, window, segment)
    baseline = None
    if rule.condition == "anomalous":
        band = baseline_of(conn, metric, window, segment, sample)
        baseline = band.median if band else None
        usable = value is not None and band is not None and enough_data(metric, sample, band, rule.min_sample)
        breached = band.outside(value) if usable else None
    elif value is None or sample < rule.min_sample:
        breached = None
    elif rule.condition == "above":
        breached = value > rule.threshold
    else:
        breached = value < rule.threshold
    return Reading(window, value, sample, rule.threshold, baseline, breached)


def _open_notices(conn: Connection, rule_id: int, event_id: int, notice: str, now: datetime) -> int:
    destinations = conn.execute(
        select(alert_destinations.c.id).where(alert_destinations.c.rule_id == rule_id)
    ).scalars()
    rows = [
        {"event_id": event_id, "destination_id": d, "notice": notice, "attempts": 0, "next_attempt_at": now,
         "created_at": now}
        for d in destinations
    ]  # fmt: skip
    if rows:
        conn.execute(insert(alert_deliveries), rows)
    return len(rows)


class _Lost(Exception):
    """Another evaluator moved the state first: roll this transaction back; it sends the notices."""


def apply(engine: Engine, rule: Rule, reading: Reading, now: datetime) -> Change | None:
    """Record the reading; when it moves the rule between ok and firing, and this evaluator's
    conditional update is the one that moved it, open or close the alert event and queue one notice
    per destination in the same transaction. Returns the change this call made, if any."""
    try:
        return _apply(engine, rule, reading, now)
    except _Lost:
        return None


def _apply(engine: Engine, rule: Rule, reading: Reading, now: datetime) -> Change | None:
    s = alert_states.c
    seen = {"last_value": reading.value, "last_sample": reading.sample, "checked_at": now}
    with engine.begin() as conn:
        state = conn.execute(select(alert_states).where(s.rule_id == rule.id)).one_or_none()
        if state is None:
            conn.execute(insert(alert_states).values(rule_id=rule.id, state="ok", version=0, **seen))
            state = conn.execute(select(alert_states).where(s.rule_id == rule.id)).one()
        moves_to = None
        if reading.breached is True and state.state == "ok":
            moves_to = "firing"
        elif reading.breached is False and state.state == "firing":
            moves_to = "ok"
        cas = update(alert_states).where(s.rule_id == rule.id, s.version == state.version)
        if moves_to is None:
            conn.execute(cas.values(**seen))
            return None
        if moves_to == "firing":
            event_id = conn.execute(
                insert(alert_events)
                .values(
                    rule_id=rule.id,
                    started_at=reading.window.end,
                    window_start=reading.window.start,
                    value=reading.value,
                    threshold=reading.threshold,
                    baseline=reading.baseline,
                )
                .returning(alert_events.c.id)
            ).scalar_one()
        else:
            event_id = state.event_id
        moved = conn.execute(
            cas.values(
                state=moves_to,
                since=reading.window.end,
                event_id=event_id if moves_to == "firing" else None,
                version=state.version + 1,
                **seen,
            )
        ).rowcount
        if not moved:
            raise _Lost
        if moves_to == "ok" and event_id is not None:
            conn.execute(
                update(alert_events)
                .where(alert_events.c.id == event_id)
                .values(resolved_at=reading.window.end, recovered_value=reading.value)
            )
        notices = 0
        if event_id is not None:
            notices = _open_notices(
                conn, rule.id, event_id, "firing" if moves_to == "firing" else "recovered", now
            )
        return Change(
            rule, reading, "firing" if moves_to == "firing" else "recovered", event_id or 0, notices
        )
