"""The write path: every change to sessions, messages and analytics goes through these functions.

The tracker, the ingestion API and the seed generator all call them, so counting, engagement and
any derived table are implemented once. Each function works inside the caller's transaction.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    and_,
    bindparam,
    case,
    column,
    exists,
    func,
    insert,
    select,
    update,
    values,
)

from data import bulk, rollups
from data.engagement import engagement_score
from data.schema import (
    SENDER_TYPES,
    SESSION_USER_TYPES,
    chat_analytics,
    chat_messages,
    chat_sessions,
    session_actions,
    session_topics,
    users,
)

# Deterministic analytics ids: one per session, the same whichever writer closes it.
ANALYTICS_NAMESPACE = uuid.UUID("6f1d7c2e-2b0a-4c55-9a51-0c3b7a1e9d42")
CLOSE_CHUNK = 500
MAX_TOPIC_LENGTH = 100
MAX_ACTION_TYPE_LENGTH = 64
MAX_TARGET_LENGTH = 2048
MAX_JSON_DEPTH = 32


class RecordingError(ValueError):
    """A write that the data cannot accept (unknown or closed session, out-of-range value...).

    For a call storing several items, `position` is the index of the one refused.
    """

    position: int | None = None


def analytics_id_for(session_id: str) -> str:
    """Return the analytics_id that the session's chat_analytics row has (or will have)."""
    return str(uuid.uuid5(ANALYTICS_NAMESPACE, session_id))


def start_session(
    conn: Connection,
    *,
    session_id: str,
    at: datetime,
    user_type: str | None = None,
    user_id: int | None = None,
) -> None:
    """Insert an open session; a known user's type is copied when `user_type` is not given."""
    start_sessions(conn, [NewSession(session_id, at, user_type, user_id)])


@dataclass(frozen=True)
class NewSession:
    """A session opening: its user's type, or a known user whose type it takes."""

    session_id: str
    at: datetime
    user_type: str | None = None
    user_id: int | None = None


def start_sessions(conn: Connection, sessions: Sequence[NewSession]) -> None:
    """Insert open sessions, one statement for all. When one cannot be stored, nothing is and the
    RecordingError's `position` says which."""
    wanted = {s.user_id for s in sessions if s.user_id is not None and s.user_type is None}
    types = (
        dict(conn.execute(select(users.c.id, users.c.user_type).where(users.c.id.in_(wanted))).all())
        if wanted
        else {}
    )
    rows = [
        {
            "session_id": s.session_id,
            "user_id": s.user_id,
            "user_type": at_position(position, _session_type, s, types),
            "is_active": True,
            "created_at": s.at,
            "updated_at": s.at,
            "resolved": False,
            "escalated_to_human": False,
        }
        for position, s in enumerate(sessions)
    ]
    if not rows:
        return
    conn.execute(insert(chat_sessions), rows)
    with rollups.batched(conn) as deltas:
        for row in rows:
            deltas.session_started(row["created_at"], row["user_type"])


def _session_type(session: NewSession, known: dict[int, str]) -> str:
    user_type = session.user_type
    if session.user_id is not None and user_type is None:
        user_type = known.get(session.user_id)
        if user_type is None:
            raise RecordingError(f"unknown user id {session.user_id}")
    user_type = user_type or "anonymous"
    if user_type not in SESSION_USER_TYPES:
        raise RecordingError(f"user_type must be one of {', '.join(SESSION_USER_TYPES)}")
    return user_type


_SESSION_STATE = (
    chat_sessions.c.is_active,
    chat_sessions.c.updated_at,
    chat_sessions.c.created_at,
    chat_sessions.c.user_type,
    chat_sessions.c.satisfaction_rating,
)


# The hot statements are built once, with bound parameters: building SQLAlchemy statements per
# call costs more than running them.
_M = chat_messages.c
_OF_SESSION = chat_sessions.c.session_id == bindparam("b_sid")
_SESSION_STATE_BY_ID = select(*_SESSION_STATE).where(_OF_SESSION)
_SESSION_STATES_BY_IDS = select(chat_sessions.c.session_id, *_SESSION_STATE).where(
    chat_sessions.c.session_id.in_(bindparam("b_sids", expanding=True))
)


def _message_states(
    conn: Connection, wanted: Sequence[tuple[str, datetime]]
) -> dict[tuple[str, datetime], Row]:
    """{(session id, hour start): its state} for each pair asked (sessions that exist only): the
    session's state, whether it has a message in that hour, its last message before the hour and
    its first after it (what the rollup of sessions with messages needs). One query for all."""
    if not wanted:
        return {}
    pairs = (
        values(
            column("sid", chat_sessions.c.session_id.type),
            column("lo", _M.created_at.type),
            column("hi", _M.created_at.type),
            name="wanted",
        )
        .data([(sid, lo, lo + timedelta(hours=1)) for sid, lo in wanted])
        .cte("wanted")
    )  # SQLite: VALUES in a WITH only
    stmt = select(
        pairs.c.sid,
        pairs.c.lo,
        *_SESSION_STATE,
        exists()
        .where(_M.session_id == pairs.c.sid, _M.created_at >= pairs.c.lo, _M.created_at < pairs.c.hi)
        .label("in_hour"),
        select(func.max(_M.created_at))
        .where(_M.session_id == pairs.c.sid, _M.created_at < pairs.c.lo)
        .scalar_subquery()
        .label("before"),
        select(func.min(_M.created_at))
        .where(_M.session_id == pairs.c.sid, _M.created_at >= pairs.c.hi)
        .scalar_subquery()
        .label("after"),
    ).join_from(pairs, chat_sessions, chat_sessions.c.session_id == pairs.c.sid)
    return {(row.sid, row.lo): row for row in conn.execute(stmt)}


_TOUCH = update(chat_sessions).where(_OF_SESSION).values(updated_at=bindparam("b_updated"))


def _require_open(conn: Connection, session_id: str) -> Row:
    """The open session's state (updated_at, created_at, user_type), or raise when it is unknown or
    closed."""
    return _open_state(session_id, conn.execute(_SESSION_STATE_BY_ID, {"b_sid": session_id}).first())


def _touch_all(conn: Connection, touches: Sequence[tuple[str, datetime, datetime]]) -> None:
    """Move each (session id, event time, its stored updated_at) session's updated_at forward to
    the event time, in one statement for all."""
    if touches:
        conn.execute(_TOUCH, [{"b_sid": sid, "b_updated": max(at, updated)} for sid, at, updated in touches])


def _touch(conn: Connection, session_id: str, at: datetime, updated_at: datetime, **values: Any) -> None:
    # Events may arrive slightly out of order; updated_at only ever moves forward.
    if not values:
        conn.execute(_TOUCH, {"b_sid": session_id, "b_updated": max(at, updated_at)})
        return
    conn.execute(
        update(chat_sessions)
        .where(chat_sessions.c.session_id == session_id)
        .values(updated_at=max(at, updated_at), **values)
    )


def storable(value: str, name: str) -> str:
    """`value`, if both databases can store it: no NUL character, no unpaired surrogate."""
    if "\x00" in value:
        raise RecordingError(f"{name} must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise RecordingError(f"{name} must be valid Unicode (it has an unpaired surrogate)") from None
    return value


def storable_json(value: Any, name: str, depth: int = 0) -> Any:
    """`value` (JSON-ready), if every string in it, keys included, is `storable` and every number finite."""
    if depth > MAX_JSON_DEPTH:
        raise RecordingError(f"{name} must be nested at most {MAX_JSON_DEPTH} levels deep")
    if isinstance(value, str):
        storable(value, name)
    elif isinstance(value, float) and not math.isfinite(value):
        raise RecordingError(f"{name} must not hold NaN or Infinity (not JSON)")
    elif isinstance(value, dict):
        for key, item in value.items():
            storable(str(key), name)
            storable_json(item, name, depth + 1)
    elif isinstance(value, list):
        for item in value:
            storable_json(item, name, depth + 1)
    return value


@dataclass(frozen=True)
class NewMessage:
    """One message to store in an open session."""

    session_id: str
    sender_type: str
    content: str
    at: datetime
    processing_time_ms: float | None = None
    cached: bool = False
    metadata: dict | list | None = None
    message_id: str | None = None


def _check_message(m: NewMessage) -> None:
    if m.sender_type not in SENDER_TYPES:
        raise RecordingError(f"sender_type must be one of {', '.join(SENDER_TYPES)}")
    ms = m.processing_time_ms
    if ms is not None and (ms < 0 or ms != ms):
        raise RecordingError("processing_time_ms must be a non-negative number")
    storable(m.content, "content")
    storable_json(m.metadata, "metadata")


def record_message(
    conn: Connection,
    *,
    session_id: str,
    sender_type: str,
    content: str,
    at: datetime,
    processing_time_ms: float | None = None,
    cached: bool = False,
    metadata: dict | list | None = None,
    message_id: str | None = None,
) -> str:
    """Store one message of an open session and return its message_id."""
    message = NewMessage(
        session_id, sender_type, content, at, processing_time_ms, cached, metadata, message_id
    )
    return record_messages(conn, [message])[0]


def record_messages(conn: Connection, messages: Sequence[NewMessage]) -> list[str]:
    """Store messages of open sessions and return their ids, in the order given.

    The result is the same as storing them one by one in time order, with one state query per
    session and hour, one insert for all and one update per session. When one cannot be stored,
    nothing is and the RecordingError's `position` says which.
    """
    for position, message in enumerate(messages):
        at_position(position, _check_message, message)
    in_order: dict[str, list[int]] = defaultdict(list)
    for position in sorted(range(len(messages)), key=lambda i: (messages[i].at, i)):
        in_order[messages[position].session_id].append(position)
    ids = [m.message_id or str(uuid.uuid4()) for m in messages]
    hours = {(messages[p].session_id, rollups.hour_floor(messages[p].at)) for p in range(len(messages))}
    states = _message_states(conn, sorted(hours))
    rows = []
    touches = []
    with rollups.batched(conn) as deltas:
        for session_id, positions in in_order.items():
            latest_hour: int | None = None  # of this call's messages so far, in time order
            state = None
            for position in positions:
                m = messages[position]
                hour = rollups.bucket_start(m.at, rollups.HOUR)
                if hour != latest_hour:
                    found = states.get((session_id, rollups.hour_floor(m.at)))
                    state = at_position(position, _open_state, session_id, found)
                    if not state.in_hour:
                        # Earlier messages of this call precede this hour; stored ones may follow it.
                        before = [h for h in (latest_hour, _hour_of(state.before)) if h is not None]
                        deltas.message_hour(
                            hour, state.user_type, max(before) if before else None, _hour_of(state.after)
                        )
                    latest_hour = hour
                deltas.message(m.at, state.user_type, m.sender_type, m.processing_time_ms)
                rows.append(
                    {
                        "message_id": ids[position],
                        "session_id": session_id,
                        "sender_type": m.sender_type,
                        "content": m.content,
                        "created_at": m.at,
                        "processing_time_ms": m.processing_time_ms,
                        "is_cached_response": bool(m.cached),
                        "metadata": m.metadata,
                    }
                )
            touches.append((session_id, messages[positions[-1]].at, state.updated_at))
    _touch_all(conn, touches)
    bulk.insert_rows(conn, chat_messages, rows)
    return ids


def _hour_of(at: datetime | None) -> int | None:
    return None if at is None else rollups.bucket_start(at, rollups.HOUR)


@dataclass(frozen=True)
class NewTopic:
    """A topic an open session discussed."""

    session_id: str
    topic: str
    at: datetime


@dataclass(frozen=True)
class NewAction:
    """A user action (a link click, a service view...) in an open session."""

    session_id: str
    action_type: str
    at: datetime
    target: str | None = None


def _checked_topic(t: NewTopic) -> str:
    topic = t.topic.strip()
    if not topic or len(topic) > MAX_TOPIC_LENGTH:
        raise RecordingError(f"topic must be 1-{MAX_TOPIC_LENGTH} characters")
    return storable(topic, "topic")


def _check_action(a: NewAction) -> None:
    if not a.action_type or len(a.action_type) > MAX_ACTION_TYPE_LENGTH:
        raise RecordingError(f"action type must be 1-{MAX_ACTION_TYPE_LENGTH} characters")
    if a.target is not None and len(a.target) > MAX_TARGET_LENGTH:
        raise RecordingError(f"action target must be at most {MAX_TARGET_LENGTH} characters")
    storable(a.action_type, "action type")
    if a.target is not None:
        storable(a.target, "action target")


def at_position(position: int, check: Any, *args: Any) -> Any:
    """`check(*args)`, with a RecordingError naming `position`."""
    try:
        return check(*args)
    except RecordingError as exc:
        exc.position = position
        raise


def _open_sessions(conn: Connection, items: Sequence[Any]) -> dict[str, tuple[Row, list[int]]]:
    """Each session of `items` (open, or RecordingError at its first item) with its items' positions."""
    positions: dict[str, list[int]] = defaultdict(list)
    for position, item in enumerate(items):
        positions[item.session_id].append(position)
    if not positions:
        return {}
    # One query for every session of the batch rather than one per session.
    states = {
        row.session_id: row for row in conn.execute(_SESSION_STATES_BY_IDS, {"b_sids": list(positions)})
    }
    return {
        session_id: (at_position(ps[0], _open_state, session_id, states.get(session_id)), ps)
        for session_id, ps in positions.items()
    }


def _open_state(session_id: str, row: Row | None) -> Row:
    """`row`, the state of an open session, or raise when the session is unknown or closed."""
    if row is None:
        raise RecordingError(f"unknown session {session_id}")
    if not row.is_active:
        raise RecordingError(f"session {session_id} is closed")
    return row


def record_topic(conn: Connection, *, session_id: str, topic: str, at: datetime) -> bool:
    """Note that an open session discussed `topic`; return False when it was already noted."""
    return record_topics(conn, [NewTopic(session_id, topic, at)])[0]


def record_topics(conn: Connection, topics: Sequence[NewTopic]) -> list[bool]:
    """Note topics of open sessions, in the order given; True for each not noted before.

    One state query per session, one for the known topics, one insert. When one cannot be stored,
    nothing is and the RecordingError's `position` says which.
    """
    names = [at_position(p, _checked_topic, t) for p, t in enumerate(topics)]
    sessions = _open_sessions(conn, topics)
    known: dict[str, list[str]] = defaultdict(list)
    if sessions:
        for row in conn.execute(
            select(session_topics.c.session_id, session_topics.c.topic)
            .where(session_topics.c.session_id.in_(list(sessions)))
            .order_by(session_topics.c.session_id, session_topics.c.position)
        ):
            known[row.session_id].append(row.topic)
    noted = [False] * len(topics)
    rows = []
    touches = []
    with rollups.batched(conn) as deltas:
        for session_id, (state, positions) in sessions.items():
            seen = known[session_id]
            latest = None
            for p in positions:
                if names[p] in seen:
                    continue
                rows.append(
                    {
                        "session_id": session_id,
                        "topic": names[p],
                        "position": len(seen),
                        "created_at": topics[p].at,
                    }
                )
                seen.append(names[p])
                noted[p] = True
                latest = topics[p].at if latest is None else max(latest, topics[p].at)
                deltas.topic(state.created_at, state.user_type, names[p], state.satisfaction_rating)
            if latest is not None:
                touches.append((session_id, latest, state.updated_at))
    _touch_all(conn, touches)
    if rows:
        conn.execute(insert(session_topics), rows)
    return noted


def record_action(
    conn: Connection, *, session_id: str, action_type: str, at: datetime, target: str | None = None
) -> None:
    """Store a user action (a link click, a service view...) of an open session."""
    record_actions(conn, [NewAction(session_id, action_type, at, target)])


def record_actions(conn: Connection, actions: Sequence[NewAction]) -> None:
    """Store user actions of open sessions, in the order given: one state query per session, one
    insert. When one cannot be stored, nothing is and the RecordingError's `position` says which."""
    for p, a in enumerate(actions):
        at_position(p, _check_action, a)
    _touch_all(
        conn,
        [
            (session_id, max(actions[p].at for p in positions), state.updated_at)
            for session_id, (state, positions) in _open_sessions(conn, actions).items()
        ],
    )
    if actions:
        conn.execute(
            insert(session_actions),
            [
                {
                    "session_id": a.session_id,
                    "action_type": a.action_type,
                    "target": a.target,
                    "created_at": a.at,
                }
                for a in actions
            ],
        )


def set_satisfaction(conn: Connection, *, session_id: str, rating: int, at: datetime) -> None:
    """Set the session's 1-5 satisfaction rating (allowed after close: ratings often come late)."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise RecordingError("rating must be a whole number from 1 to 5")
    before = conn.execute(
        select(
            chat_sessions.c.satisfaction_rating, chat_sessions.c.created_at, chat_sessions.c.user_type
        ).where(chat_sessions.c.session_id == session_id)
    ).first()
    if before is None:
        raise RecordingError(f"unknown session {session_id}")
    conn.execute(
        update(chat_sessions)
        .where(chat_sessions.c.session_id == session_id)
        .values(satisfaction_rating=rating)
    )
    topics = (
        conn.execute(select(session_topics.c.topic).where(session_topics.c.session_id == session_id))
        .scalars()
        .all()
    )
    with rollups.batched(conn) as deltas:
        deltas.rating_changed(before.created_at, before.user_type, before.satisfaction_rating, rating)
        for topic in topics:
            deltas.topic_rating(
                before.created_at, before.user_type, topic, before.satisfaction_rating, rating
            )


def set_resolved(conn: Connection, *, session_id: str, at: datetime, resolved: bool = True) -> None:
    """Mark an open session resolved (or not)."""
    state = _require_open(conn, session_id)
    _touch(conn, session_id, at, state.updated_at, resolved=bool(resolved))


def mark_escalated(conn: Connection, *, session_id: str, at: datetime) -> None:
    """Mark an open session as escalated to a human."""
    state = _require_open(conn, session_id)
    _touch(conn, session_id, at, state.updated_at, escalated_to_human=True)


@dataclass(frozen=True)
class Closing:
    """A request to close one session at a moment."""

    session_id: str
    at: datetime


def close_sessions(conn: Connection, closings: Iterable[Closing]) -> int:
    """Close the still-open sessions among `closings` and save their analytics rows.

    Counts, topics, actions and flags are read back from the stored rows, so every writer gets the
    same analytics. Sessions already closed or unknown are skipped: closing twice is harmless.
    Returns how many sessions were closed.
    """
    closed = 0
    batch: list[Closing] = []
    for closing in closings:
        batch.append(closing)
        if len(batch) >= CLOSE_CHUNK:
            closed += _close_chunk(conn, batch)
            batch = []
    if batch:
        closed += _close_chunk(conn, batch)
    return closed


def _close_chunk(conn: Connection, closings: Sequence[Closing]) -> int:
    when = {c.session_id: c.at for c in closings}
    ids = list(when)
    sessions = conn.execute(
        select(
            chat_sessions.c.session_id,
            chat_sessions.c.created_at,
            chat_sessions.c.user_type,
            chat_sessions.c.resolved,
            chat_sessions.c.escalated_to_human,
        ).where(chat_sessions.c.session_id.in_(ids), chat_sessions.c.is_active)
    ).all()
    if not sessions:
        return 0
    open_ids = [s.session_id for s in sessions]
    counts = {
        row.session_id: row
        for row in conn.execute(
            select(
                chat_messages.c.session_id,
                func.count().label("total"),
                func.sum(case((chat_messages.c.sender_type == "user", 1), else_=0)).label("user"),
                func.sum(case((chat_messages.c.sender_type == "assistant", 1), else_=0)).label("assistant"),
                func.avg(
                    case((chat_messages.c.sender_type == "assistant", chat_messages.c.processing_time_ms))
                ).label("avg_ms"),
            )
            .where(chat_messages.c.session_id.in_(open_ids))
            .group_by(chat_messages.c.session_id)
        )
    }
    topics: dict[str, list[str]] = defaultdict(list)
    for row in conn.execute(
        select(session_topics.c.session_id, session_topics.c.topic)
        .where(session_topics.c.session_id.in_(open_ids))
        .order_by(session_topics.c.session_id, session_topics.c.position)
    ):
        topics[row.session_id].append(row.topic)
    actions: dict[str, list[dict]] = defaultdict(list)
    for row in conn.execute(
        select(
            session_actions.c.session_id,
            session_actions.c.action_type,
            session_actions.c.target,
            session_actions.c.created_at,
        )
        .where(session_actions.c.session_id.in_(open_ids))
        .order_by(session_actions.c.session_id, session_actions.c.id)
    ):
        action = {"type": row.action_type, "at": row.created_at.isoformat()}
        if row.target is not None:
            action["target"] = row.target
        actions[row.session_id].append(action)

    analytics_rows = []
    session_updates = []
    for s in sessions:
        closed_at = max(when[s.session_id], s.created_at)
        c = counts.get(s.session_id)
        user_messages = int(c.user) if c else 0
        analytics_rows.append(
            {
                "analytics_id": analytics_id_for(s.session_id),
                "session_id": s.session_id,
                "total_messages": int(c.total) if c else 0,
                "user_messages": user_messages,
                "assistant_messages": int(c.assistant) if c else 0,
                "average_response_time_ms": float(c.avg_ms) if c and c.avg_ms is not None else None,
                "resolved": bool(s.resolved),
                "escalated_to_human": bool(s.escalated_to_human),
                "topics_discussed": topics[s.session_id],
                "actions_taken": actions[s.session_id],
                "engagement_score": engagement_score(
                    user_messages,
                    len(actions[s.session_id]),
                    len(topics[s.session_id]),
                    (closed_at - s.created_at).total_seconds(),
                ),
                "created_at": closed_at,
            }
        )
        session_updates.append({"b_session_id": s.session_id, "b_closed_at": closed_at})
    conn.execute(
        update(chat_sessions)
        .where(and_(chat_sessions.c.session_id == bindparam("b_session_id"), chat_sessions.c.is_active))
        .values(is_active=False, closed_at=bindparam("b_closed_at"), updated_at=bindparam("b_closed_at")),
        session_updates,
    )
    conn.execute(insert(chat_analytics), analytics_rows)
    # The per-topic response-time histograms need the answers of the sessions with topics.
    times: dict[str, list[float]] = defaultdict(list)
    with_topics = [session_id for session_id, names in topics.items() if names]
    if with_topics:
        for row in conn.execute(
            select(chat_messages.c.session_id, chat_messages.c.processing_time_ms).where(
                chat_messages.c.session_id.in_(with_topics),
                chat_messages.c.sender_type == "assistant",
                chat_messages.c.processing_time_ms.is_not(None),
            )
        ):
            times[row.session_id].append(row.processing_time_ms)
    with rollups.batched(conn) as deltas:
        for s, row in zip(sessions, analytics_rows, strict=True):
            deltas.session_closed(s.created_at, s.user_type, row, times.get(s.session_id, ()))
    return len(analytics_rows)


def insert_bulk(
    conn: Connection,
    *,
    sessions: Sequence[dict] = (),
    messages: Sequence[dict] = (),
    topics: Sequence[dict] = (),
    actions: Sequence[dict] = (),
) -> None:
    """Insert pre-built new open sessions with their messages, topics and actions in bulk (the
    seed generator's fast path).

    Rows carry the columns of their tables and may refer only to the sessions given with them;
    close them afterwards with `close_sessions`, which derives their analytics exactly as for any
    other session.
    """
    new = {s["session_id"]: s for s in sessions}
    strays = {r["session_id"] for rows in (messages, topics, actions) for r in rows} - new.keys()
    if strays:
        raise RecordingError(f"rows for sessions not in this bulk insert: {sorted(strays)[:3]}")
    for table, rows in (
        (chat_sessions, sessions),
        (chat_messages, messages),
        (session_topics, topics),
        (session_actions, actions),
    ):
        if rows:
            conn.execute(insert(table), list(rows))
    with rollups.batched(conn) as deltas:
        hours: dict[str, list[int]] = defaultdict(list)
        for s in sessions:
            deltas.session_started(
                s["created_at"], s["user_type"], active=s["is_active"], rating=s.get("satisfaction_rating")
            )
        for m in messages:
            user_type = new[m["session_id"]]["user_type"]
            deltas.message(m["created_at"], user_type, m["sender_type"], m.get("processing_time_ms"))
            hours[m["session_id"]].append(rollups.bucket_start(m["created_at"], rollups.HOUR))
        for session_id, session_hours in hours.items():
            deltas.session_hours(new[session_id]["user_type"], session_hours)
        for t in topics:
            owner = new[t["session_id"]]
            deltas.topic(
                owner["created_at"], owner["user_type"], t["topic"], owner.get("satisfaction_rating")
            )
