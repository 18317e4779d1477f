"""Applying a validated batch of chat events: one transaction, idempotent by event id.

Every write goes through `data.recording`, the same functions the Python tracker uses, so counts
and engagement are computed once. A batch either applies whole or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from data import bulk, chat_users, recording, rollups
from data.schema import chat_sessions, ingested_events

EVENT_TYPES = (
    "session_started",
    "message",
    "topic",
    "action",
    "satisfaction",
    "resolved",
    "escalated",
    "session_closed",
)
# Within a batch: starts first, closes last, everything else in time order.
_ORDER = {"session_started": 0, "session_closed": 2}
# Events stored with their own time, which may not come before their session's start.
TIMED_TYPES = frozenset({"message", "topic", "action"})


@dataclass(frozen=True)
class Event:
    """One validated event; `data` holds the type's own fields."""

    index: int
    event_id: str
    type: str
    session_id: str
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)


def is_conflict(exc: DBAPIError) -> bool:
    """True when a concurrent batch made ours fail (same key, deadlock, serialization): retry it."""
    if isinstance(exc, IntegrityError):
        return True
    # PostgreSQL's deadlock_detected and serialization_failure; SQLite waits on its lock instead.
    return getattr(exc.orig, "sqlstate", None) in {"40P01", "40001"}


class BatchRejected(ValueError):
    """Some events cannot be applied; `errors` lists {"index", "error"} for each."""

    def __init__(self, errors: list[dict]) -> None:
        super().__init__(f"{len(errors)} event(s) rejected")
        self.errors = errors


def _known_ids(conn: Connection, events: list[Event]) -> set[str]:
    ids = [e.event_id for e in events]
    return set(
        conn.execute(select(ingested_events.c.event_id).where(ingested_events.c.event_id.in_(ids))).scalars()
    )


def _lock_existing(conn: Connection, session_ids: set[str]) -> dict[str, datetime]:
    """The start time of each of these sessions already stored, row-locked (PostgreSQL) until the
    transaction ends.

    Locked in id order: batches touching the same sessions then take turns instead of deadlocking
    in the writes that follow.
    """
    stmt = (
        select(chat_sessions.c.session_id, chat_sessions.c.created_at)
        .where(chat_sessions.c.session_id.in_(sorted(session_ids)))
        .order_by(chat_sessions.c.session_id)
        .with_for_update()
    )
    return {row.session_id: row.created_at for row in conn.execute(stmt)}


def _before_start(events: list[Event], existing: dict[str, datetime]) -> list[dict]:
    """Errors for the messages, topics and actions (stored with their own time) dated before their
    session's start, stored or in this batch."""
    starts = dict(existing)
    starts.update({e.session_id: e.at for e in events if e.type == "session_started"})
    return [
        {"index": e.index, "error": f"at is before its session's start ({starts[e.session_id].isoformat()})"}
        for e in events
        if e.type in TIMED_TYPES and e.session_id in starts and e.at < starts[e.session_id]
    ]


def _check_sessions(events: list[Event], existing: dict[str, datetime]) -> None:
    """Reject events of sessions that neither exist nor start in this batch, restarts (of a stored
    session, or a second start of one session in the batch; `events` in batch order), and timed
    events before their session's start."""
    starting = {e.session_id for e in events if e.type == "session_started"}
    errors = [
        {"index": e.index, "error": f"unknown session {e.session_id}: send its session_started first"}
        for e in events
        if e.session_id not in starting and e.session_id not in existing
    ]
    started: set[str] = set()
    for e in events:
        if e.type != "session_started":
            continue
        if e.session_id in existing:
            errors.append({"index": e.index, "error": f"session {e.session_id} was already started"})
        elif e.session_id in started:
            errors.append(
                {"index": e.index, "error": f"session {e.session_id} is started twice in this batch"}
            )
        started.add(e.session_id)
    errors += _before_start(events, existing)
    if errors:
        raise BatchRejected(sorted(errors, key=lambda err: err["index"]))


def _user_id(conn: Connection, user: dict | None) -> int | None:
    """The id of the named chat user (never a sign-in account's; see data.chat_users), created when new."""
    if not user:
        return None
    return chat_users.chat_user_id(conn, user["username"], user.get("user_type") or "client")


def _apply(conn: Connection, event: Event) -> None:
    d, sid, at = event.data, event.session_id, event.at
    match event.type:
        case "satisfaction":
            recording.set_satisfaction(conn, session_id=sid, rating=d["rating"], at=at)
        case "resolved":
            recording.set_resolved(conn, session_id=sid, resolved=d["resolved"], at=at)
        case "escalated":
            recording.mark_escalated(conn, session_id=sid, at=at)


def apply_batch(conn: Connection, events: list[Event], received_at: datetime) -> tuple[int, int]:
    """Apply the events not seen before, inside the caller's transaction; return (accepted, duplicates).

    Raises BatchRejected naming each event that cannot apply; the caller then rolls back, so a bad
    batch writes nothing. A concurrent writer inserting the same event id makes the insert of the
    keys fail with IntegrityError, which the caller answers by retrying the batch (see is_conflict).
    """
    # Sessions first, event ids second: with READ COMMITTED each statement sees what was committed
    # before it, so a session that a concurrent batch committed is found with that batch's event
    # ids (and its events skipped as duplicates), never taken for a restart.
    existing = _lock_existing(conn, {e.session_id for e in events})
    seen = _known_ids(conn, events)
    fresh: list[Event] = []
    for event in events:
        if event.event_id not in seen:
            seen.add(event.event_id)
            fresh.append(event)
    if not fresh:
        return 0, len(events)
    _check_sessions(fresh, existing)
    # The keys go in first: a concurrent batch with the same ids fails here, before any write. In
    # id order, so two batches sharing ids wait on each other in turn instead of deadlocking.
    bulk.insert_rows(
        conn,
        ingested_events,
        [
            {
                "event_id": e.event_id,
                "session_id": e.session_id,
                "event_type": e.type,
                "received_at": received_at,
            }
            for e in sorted(fresh, key=lambda e: e.event_id)
        ],
    )
    ordered = sorted(fresh, key=lambda e: (_ORDER.get(e.type, 1), e.at, e.index))
    # The batch's rollup increments are added once, at the end, in this same transaction.
    with rollups.batched(conn):
        # Starts, then messages, topics and actions, in one go per kind (one insert each, one state
        # query per session): the same result as one by one in time order, since none of them reads
        # another kind and the closes, which read them all, come last.
        for kind, (store, build) in _IN_BULK.items():
            picked = [e for e in ordered if e.type == kind]
            try:
                store(conn, [recording.at_position(n, build, conn, e) for n, e in enumerate(picked)])
            except recording.RecordingError as exc:
                raise BatchRejected([{"index": picked[exc.position].index, "error": str(exc)}]) from None
        for event in ordered:
            if event.type not in _IN_BULK and event.type != "session_closed":
                _apply_one(conn, event)
        closings = {e.session_id: e.at for e in reversed(ordered) if e.type == "session_closed"}
        recording.close_sessions(conn, [recording.Closing(sid, at) for sid, at in closings.items()])
    return len(fresh), len(events) - len(fresh)


def _apply_one(conn: Connection, event: Event) -> None:
    try:
        _apply(conn, event)
    except recording.RecordingError as exc:
        raise BatchRejected([{"index": event.index, "error": str(exc)}]) from None


def _session(conn: Connection, event: Event) -> recording.NewSession:
    d = event.data
    return recording.NewSession(event.session_id, event.at, d.get("user_type"), _user_id(conn, d.get("user")))


def _message(_conn: Connection, event: Event) -> recording.NewMessage:
    d = event.data
    return recording.NewMessage(
        session_id=event.session_id,
        sender_type=d["sender_type"],
        content=d["content"],
        at=event.at,
        processing_time_ms=d.get("processing_time_ms"),
        cached=d.get("cached", False),
        metadata=d.get("metadata"),
    )


def _topic(_conn: Connection, event: Event) -> recording.NewTopic:
    return recording.NewTopic(event.session_id, event.data["topic"], event.at)


def _action(_conn: Connection, event: Event) -> recording.NewAction:
    action = event.data["action"]
    return recording.NewAction(event.session_id, action["type"], event.at, action.get("target"))


_IN_BULK: dict[str, tuple[Callable[[Connection, list], object], Callable[[Connection, Event], object]]] = {
    "session_started": (recording.start_sessions, _session),
    "message": (recording.record_messages, _message),
    "topic": (recording.record_topics, _topic),
    "action": (recording.record_actions, _action),
}
