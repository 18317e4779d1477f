"""The explorer table's columns: heading, the ordering a click on it applies, and how each cell of a
row reads. Labels and decimals of catalogue metrics come from metrics.catalogue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from metrics.catalogue import METRICS
from metrics.numbers import NA, arrow, change_text, metric_value, number
from metrics.topic_table import TopicRow


@dataclass(frozen=True)
class Column:
    """One column: its heading, its ordering key (None: not sortable), what it means, its cell
    (and a count under it, when the figure rests on one)."""

    key: str | None
    label: str
    definition: str
    cell: Callable[[TopicRow], str]
    detail: Callable[[TopicRow], str] | None = None


def _metric(key: str, value: Callable[[TopicRow], float | None]) -> Callable[[TopicRow], str]:
    return lambda row: metric_value(METRICS[key], value(row))


def _change(row: TopicRow) -> str:
    moved = row.change
    if moved is None or moved.percent is None:
        return "new" if row.sessions and not row.previous_sessions else NA
    return f"{arrow(moved)} {change_text(moved)}"


COLUMNS: tuple[Column, ...] = (
    Column("sessions", METRICS["sessions"].label, "Sessions created in the period that discussed the topic.",
           lambda r: number(r.sessions)),
    Column("share", "Share", "Of all sessions in the period; a session with several topics counts in each.",
           lambda r: number(r.share, 1, "%")),
    Column("change", "Change", "Sessions against the previous period of the same length.", _change),
    Column("attention", "Unresolved", "Sessions × (1 − resolution rate): what ranks “Needs attention”.",
           lambda r: number(r.unresolved_volume)),
    Column("resolution_rate", METRICS["resolution_rate"].label, METRICS["resolution_rate"].definition,
           _metric("resolution_rate", lambda r: r.resolution_rate)),
    Column("escalation_rate", METRICS["escalation_rate"].label, METRICS["escalation_rate"].definition,
           _metric("escalation_rate", lambda r: r.escalation_rate),
           lambda r: f"{r.escalated:,} escalated"),
    Column("avg_satisfaction", METRICS["avg_satisfaction"].label, METRICS["avg_satisfaction"].definition,
           _metric("avg_satisfaction", lambda r: r.avg_satisfaction),
           lambda r: f"{r.rating_count:,} rated"),
    Column("p50_response_time", METRICS["p50_response_time"].label,
           "Middle AI processing time of the answers in the topic's closed sessions.",
           _metric("p50_response_time", lambda r: r.p50_response_time_ms)),
    Column("p95_response_time", METRICS["p95_response_time"].label,
           "AI processing time that 95% of the answers in the topic's closed sessions did not exceed.",
           _metric("p95_response_time", lambda r: r.p95_response_time_ms)),
    Column("messages_per_session", METRICS["messages_per_session"].label,
           "Messages of the topic's closed sessions per such session with at least one message.",
           _metric("messages_per_session", lambda r: r.messages_per_session)),
)  # fmt: skip
