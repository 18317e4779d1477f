"""Validation of an ingestion body into events: every problem of every event, named by index."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from data.ingest import EVENT_TYPES, Event
from data.recording import (
    MAX_ACTION_TYPE_LENGTH,
    MAX_TARGET_LENGTH,
    MAX_TOPIC_LENGTH,
    storable,
    storable_json,
)
from data.schema import SENDER_TYPES, SESSION_USER_TYPES, USER_TYPES

MAX_EVENTS = 1_000
MAX_CONTENT_LENGTH = 64 * 1024
MAX_USERNAME_LENGTH = 150
MAX_CLOCK_SKEW = timedelta(minutes=5)
# No chat happened before this: an earlier `at` is a sender's bug (a zero date, a unit mix-up).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


class BodyError(ValueError):
    """The body as a whole is unusable (not JSON, no events list...)."""


class TooManyEvents(BodyError):
    """More than MAX_EVENTS events in one batch."""


def _uuid(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a UUID string")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError(f"{name} must be a UUID") from None


def _text(value: Any, name: str, longest: int, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not empty and not value.strip()) or len(value) > longest:
        raise ValueError(
            f"{name} must be a {'' if empty else 'non-empty '}string of at most {longest} characters"
        )
    return storable(value, name)


def _at(value: Any, now: datetime) -> datetime:
    if value is None:
        return now
    if not isinstance(value, str):
        raise ValueError("at must be an ISO 8601 timestamp")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("at must be an ISO 8601 timestamp") from None
    if moment.utcoffset() is None:
        raise ValueError("at must carry a UTC offset, e.g. 2026-11-24T10:00:00Z")
    if moment < EARLIEST:
        raise ValueError(f"at is before {EARLIEST:%Y-%m-%d}: not a plausible time for a chat event")
    if moment > now + MAX_CLOCK_SKEW:
        raise ValueError(
            f"at is in the future (more than {MAX_CLOCK_SKEW.seconds // 60} minutes ahead of the server's clock)"
        )
    return moment.astimezone(UTC)


def _fields(kind: str, raw: dict) -> dict[str, Any]:
    """The type's own fields, checked; raises ValueError with the first problem."""
    if kind == "session_started":
        data: dict[str, Any] = {}
        if raw.get("user_type") is not None:
            if raw["user_type"] not in SESSION_USER_TYPES:
                raise ValueError(f"user_type must be one of {', '.join(SESSION_USER_TYPES)}")
            data["user_type"] = raw["user_type"]
        user = raw.get("user")
        if user is not None:
            if not isinstance(user, dict):
                raise ValueError("user must be an object with username and user_type")
            username = _text(user.get("username"), "user.username", MAX_USERNAME_LENGTH).strip()
            user_type = user.get("user_type", "client")
            if user_type not in USER_TYPES:
                raise ValueError(f"user.user_type must be one of {', '.join(USER_TYPES)}")
            data["user"] = {"username": username, "user_type": user_type}
        return data
    if kind == "message":
        if raw.get("sender_type") not in SENDER_TYPES:
            raise ValueError(f"sender_type must be one of {', '.join(SENDER_TYPES)}")
        data = {
            "sender_type": raw["sender_type"],
            "content": _text(raw.get("content"), "content", MAX_CONTENT_LENGTH, empty=True),
        }
        ms = raw.get("processing_time_ms")
        if ms is not None:
            if (
                isinstance(ms, bool)
                or not isinstance(ms, int | float)
                or ms != ms
                or ms < 0
                or ms > 86_400_000
            ):
                raise ValueError("processing_time_ms must be a number of milliseconds from 0 to 86400000")
            data["processing_time_ms"] = float(ms)
        cached = raw.get("cached", False)
        if not isinstance(cached, bool):
            raise ValueError("cached must be true or false")
        data["cached"] = cached
        metadata = raw.get("metadata")
        if metadata is not None and not isinstance(metadata, dict | list):
            raise ValueError("metadata must be an object, a list or null")
        data["metadata"] = storable_json(metadata, "metadata")
        return data
    if kind == "topic":
        return {"topic": _text(raw.get("topic"), "topic", MAX_TOPIC_LENGTH).strip()}
    if kind == "action":
        action = raw.get("action")
        if not isinstance(action, dict):
            raise ValueError('action must be an object such as {"type": "link_click"}')
        checked = {"type": _text(action.get("type"), "action.type", MAX_ACTION_TYPE_LENGTH)}
        if action.get("target") is not None:
            checked["target"] = _text(action["target"], "action.target", MAX_TARGET_LENGTH, empty=True)
        return {"action": checked}
    if kind == "satisfaction":
        rating = raw.get("rating")
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            raise ValueError("rating must be a whole number from 1 to 5")
        return {"rating": rating}
    if kind == "resolved":
        if not isinstance(raw.get("resolved"), bool):
            raise ValueError("resolved must be true or false")
        return {"resolved": raw["resolved"]}
    return {}  # escalated, session_closed: nothing more


def parse_events(body: Any, now: datetime) -> tuple[list[Event], list[dict]]:
    """(events, errors) for a decoded JSON body; errors list {"index", "error"} per bad event."""
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        raise BodyError('the body must be a JSON object {"events": [...]}')
    items = body["events"]
    if len(items) > MAX_EVENTS:
        raise TooManyEvents(f"at most {MAX_EVENTS} events per batch (got {len(items)})")
    if not items:
        raise BodyError("events must not be empty")
    events, errors = [], []
    for index, raw in enumerate(items):
        try:
            if not isinstance(raw, dict):
                raise ValueError("an event must be a JSON object")
            kind = raw.get("type")
            if kind not in EVENT_TYPES:
                raise ValueError(f"type must be one of {', '.join(EVENT_TYPES)}")
            events.append(
                Event(
                    index=index,
                    event_id=_uuid(raw.get("event_id"), "event_id"),
                    type=kind,
                    session_id=_uuid(raw.get("session_id"), "session_id"),
                    at=_at(raw.get("at"), now),
                    data=_fields(kind, raw),
                )
            )
        except ValueError as exc:
            errors.append({"index": index, "error": str(exc)})
    return events, errors
