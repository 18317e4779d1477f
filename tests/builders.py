"""Hand-built fixture data: plain Python specs, written through the data layer's write path.

Tests compute their expected figures from these specs by hand, never with the metrics module.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from data import recording


@dataclass
class Msg:
    sender: str
    offset_s: float
    ms: float | None = None
    cached: bool = False
    text: str | None = None  # default: "<sender> says hi"


@dataclass
class Spec:
    session_id: str
    user_type: str
    created: datetime
    messages: list[Msg] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    actions: int = 0
    rating: int | None = None
    resolved: bool = False
    escalated: bool = False
    closed_after_s: float | None = 600.0

    @property
    def closed(self) -> bool:
        return self.closed_after_s is not None

    def message_times(self) -> list[datetime]:
        return [self.created + timedelta(seconds=m.offset_s) for m in self.messages]


def sid(n: int) -> str:
    """A readable fixed session id."""
    return f"00000000-0000-4000-8000-{n:012d}"


def build(engine: Engine, specs: list[Spec]) -> None:
    """Write every spec through the data layer, closing the closed ones at their own time."""
    with engine.begin() as conn:
        for s in specs:
            recording.start_session(conn, session_id=s.session_id, at=s.created, user_type=s.user_type)
            for m, at in zip(s.messages, s.message_times(), strict=True):
                recording.record_message(
                    conn,
                    session_id=s.session_id,
                    sender_type=m.sender,
                    content=m.text if m.text is not None else f"{m.sender} says hi",
                    at=at,
                    processing_time_ms=m.ms,
                    cached=m.cached,
                )
            for t in s.topics:
                recording.record_topic(conn, session_id=s.session_id, topic=t, at=s.created)
            for i in range(s.actions):
                recording.record_action(
                    conn,
                    session_id=s.session_id,
                    action_type="link_click",
                    target=f"/services/{i}",
                    at=s.created,
                )
            if s.resolved:
                recording.set_resolved(conn, session_id=s.session_id, at=s.created)
            if s.escalated:
                recording.mark_escalated(conn, session_id=s.session_id, at=s.created)
            if s.rating is not None:
                recording.set_satisfaction(conn, session_id=s.session_id, rating=s.rating, at=s.created)
        recording.close_sessions(
            conn,
            [
                recording.Closing(s.session_id, s.created + timedelta(seconds=s.closed_after_s))
                for s in specs
                if s.closed
            ],
        )


def long_session(messages: int, text: str) -> Spec:
    """An open session started now with `messages` user messages of `text` (for streaming tests)."""
    now = datetime.now(UTC)
    return Spec(str(uuid.uuid4()), "client", now, [Msg("user", 0, text=text)] * messages, closed_after_s=None)
