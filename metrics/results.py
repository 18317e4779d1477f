"""The figures a period gives, as plain values (no SQL, no Dash): what every view reads."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SessionCounts:
    total: int
    active: int
    closed: int


@dataclass(frozen=True)
class MessageCounts:
    total: int
    by_sender: dict[str, int]
    sessions_with_messages: int

    @property
    def per_session(self) -> float | None:
        """Messages in the period per session that has at least one message in it."""
        return self.total / self.sessions_with_messages if self.sessions_with_messages else None


@dataclass(frozen=True)
class ResponseTimes:
    count: int
    average: float | None
    percentiles: dict[int, float | None] = field(default_factory=dict)

    def p(self, q: int) -> float | None:
        """The q-th percentile, or None when the period has no answer (or q was not computed)."""
        return self.percentiles.get(q)


@dataclass(frozen=True)
class Satisfaction:
    average: float | None
    count: int
    distribution: dict[int, int]


@dataclass(frozen=True)
class Outcomes:
    analysed: int
    resolution_rate: float | None
    escalation_rate: float | None
    average_engagement: float | None


@dataclass(frozen=True)
class TopicCount:
    topic: str
    count: int


@dataclass(frozen=True)
class Headline:
    """The headline figures of one period: what the KPI cards, the API and the report show."""

    sessions: SessionCounts
    messages: MessageCounts
    response_times: ResponseTimes
    satisfaction: Satisfaction
    outcomes: Outcomes
