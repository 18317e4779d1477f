"""Incidents the seed generator can inject at known times, to measure whether the anomaly detector
sees them: slow answers (response times x3 for 2 hours), a traffic drop (sessions -60% for 3 hours)
and an escalation wave (escalations x4 for 1 hour)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np


@dataclass(frozen=True)
class Kind:
    """One kind of incident: what it multiplies, by how much, for how long."""

    name: str
    hours: int
    factor: float
    what: str


SLOW_ANSWERS = Kind("slow answers", 2, 3.0, "response times x3")
FEWER_SESSIONS = Kind("fewer sessions", 3, 0.4, "sessions -60%")
ESCALATIONS = Kind("escalations", 1, 4.0, "escalations x4")
KINDS = (SLOW_ANSWERS, FEWER_SESSIONS, ESCALATIONS)

BASELINE_DAYS = 42  # the detector compares with the same hour of the 6 previous weeks
# Incidents start on a weekday between 09:00 and 14:00 UTC (ending by 17:00): the seeded traffic's
# busy hours, when an incident hurts and an hour holds enough sessions to judge.
FIRST_HOUR, LAST_HOUR = 9, 14


@dataclass(frozen=True)
class Incident:
    """One injected incident: its kind and the UTC hours it covers, [start, end)."""

    kind: Kind
    start: datetime

    @property
    def end(self) -> datetime:
        return self.start + timedelta(hours=self.kind.hours)

    def covers(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def line(self) -> str:
        return f"{self.kind.name} ({self.kind.what}) {self.start:%Y-%m-%d %H:%M}-{self.end:%H:%M} UTC"


def schedule(count: int, start: datetime, now: datetime, seed: int) -> tuple[Incident, ...]:
    """`count` incidents, kinds in turn, one per chosen weekday spread evenly over the days after the
    first 6 weeks (over the second half of the span when it is shorter), at a seeded hour."""
    if count <= 0:
        return ()
    rng = np.random.default_rng([seed, 16])  # apart from the data's stream: same data around them
    span = (now - start).days
    first = start + timedelta(days=BASELINE_DAYS if span > BASELINE_DAYS else span // 2)
    midnight = first.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    days = [
        midnight + timedelta(days=d)
        for d in range((now - midnight).days)
        if (midnight + timedelta(days=d)).weekday() < 5
    ]
    if len(days) < count:
        raise ValueError(f"{count} incidents need {count} weekdays after the baseline; raise --days")
    picked = np.linspace(0, len(days) - 1, count).round().astype(int)
    hours = rng.integers(FIRST_HOUR, LAST_HOUR + 1, size=count)
    return tuple(
        Incident(KINDS[i % len(KINDS)], days[d] + timedelta(hours=int(h)))
        for i, (d, h) in enumerate(zip(picked, hours, strict=True))
    )


def factor(incidents: tuple[Incident, ...], kind: Kind, at: datetime) -> float:
    """The multiplier `kind` applies at `at`: its factor inside an incident of that kind, else 1."""
    return next((i.kind.factor for i in incidents if i.kind is kind and i.covers(at)), 1.0)
