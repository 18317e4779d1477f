"""How each filter parameter is read and checked: text, choices, flags, topics, ranges, the
comparison; each refusal a FilterError naming the parameter. metrics.filters assembles them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from data.audit import ACTIONS
from data.errors import FieldError
from data.recording import MAX_TOPIC_LENGTH
from data.schema import SENDER_TYPES, SESSION_USER_TYPES

TRUE = {"true", "1", "yes", "on"}
FALSE = {"false", "0", "no", "off"}
COMPARE_ALL = "all"  # `compare=all`: the same period, every session (no user type, no segment)
COMPARE_USER_TYPE = "user_type:"  # `compare=user_type:provider`: the view with another user type
RATINGS = range(1, 6)
MAX_TOPICS = 20
# Bounds of the range filters (a day is longer than any real chat; more messages would be a bot).
MAX_DURATION_S = 7 * 24 * 3600
MAX_MESSAGES = 100_000


class FilterError(FieldError):
    """A filter value that cannot be used; `field` names the parameter."""


def text_value(args: Mapping[str, Any], name: str) -> str | None:
    value = args.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise FilterError(f"{name} must be text", name)
    if "\x00" in value:
        raise FilterError(f"{name} must not contain NUL characters", name)
    return value


def choice_value(args: Mapping[str, Any], name: str, allowed: Iterable[str]) -> str | None:
    value = text_value(args, name)
    allowed = tuple(allowed)
    if value is not None and value not in allowed:
        raise FilterError(f"{name} must be one of {', '.join(allowed)}", name)
    return value


def _flag(args: Mapping[str, Any], name: str) -> bool | None:
    value = args.get(name)
    if isinstance(value, bool):
        return value
    value = text_value(args, name)
    if value is None:
        return None
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise FilterError(f"{name} must be true or false", name)


def _topics(args: Mapping[str, Any]) -> tuple[str, ...]:
    """Every `topic` given (repeated in a query, or a list from a store), once each, sorted."""
    getlist = getattr(args, "getlist", None)
    value = getlist("topic") if getlist else args.get("topic")
    values = value if isinstance(value, list | tuple) else [value]
    found = set()
    for one in values:
        text = text_value({"topic": one}, "topic")
        if text is None:
            continue
        if len(text) > MAX_TOPIC_LENGTH or not text.strip():
            raise FilterError(f"topic must be 1 to {MAX_TOPIC_LENGTH} characters", "topic")
        found.add(text)
    if len(found) > MAX_TOPICS:
        raise FilterError(f"topic may be given at most {MAX_TOPICS} times", "topic")
    return tuple(sorted(found))


def _session_id(args: Mapping[str, Any]) -> str | None:
    value = text_value(args, "session_id")
    if value is None:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise FilterError("session_id must be a UUID", "session_id") from None


def range_bounds(value: str) -> tuple[int, int | None]:
    """`"3"` is (3, 3), `"1-2"` (1, 2), `"11-"` (11, None): no upper bound."""
    low, dash, high = value.partition("-")
    return int(low), (int(high) if high else None) if dash else int(low)


def _range(args: Mapping[str, Any], name: str, span: range, message: str, *, open_end: bool) -> str | None:
    """A `from-to` range of whole numbers within `span` (`from-` with no upper bound, when
    `open_end`) in its one written form; FilterError(message) naming `name` otherwise."""
    value = text_value(args, name)
    if value is None:
        return None
    low, _, high = value.partition("-")
    numbers = low.isascii() and low.isdigit() and (not high or (high.isascii() and high.isdigit()))
    bounds = range_bounds(value) if numbers else None
    if bounds is None or bounds[0] not in span:
        raise FilterError(message, name)
    low, high = bounds
    if high is None:
        if not open_end:
            raise FilterError(message, name)
        return f"{low}-"
    if high not in span or high < low:
        raise FilterError(message, name)
    return str(low) if low == high else f"{low}-{high}"


def _compare(args: Mapping[str, Any]) -> str | None:
    """`all`, or `user_type:` and a session user type."""
    value = text_value(args, "compare")
    kinds = (COMPARE_ALL, *(COMPARE_USER_TYPE + kind for kind in SESSION_USER_TYPES))
    if value is not None and value not in kinds:
        raise FilterError(f"compare must be one of {', '.join(kinds)}", "compare")
    return value


PARSERS = {
    "user_type": lambda args: choice_value(args, "user_type", SESSION_USER_TYPES),
    "topics": _topics,
    "is_active": lambda args: _flag(args, "is_active"),
    "resolved": lambda args: _flag(args, "resolved"),
    "escalated": lambda args: _flag(args, "escalated"),
    "rating": lambda args: _range(
        args, "rating", RATINGS, "rating must be a rating 1-5 or a range such as 1-2", open_end=False
    ),
    "duration": lambda args: _range(
        args,
        "duration",
        range(MAX_DURATION_S + 1),
        f"duration must be seconds from-to such as 60-300, or 900- for 900 or more (at most {MAX_DURATION_S})",
        open_end=True,
    ),
    "messages": lambda args: _range(
        args,
        "messages",
        range(MAX_MESSAGES + 1),
        f"messages must be a count or a range such as 1-2, or 11- for 11 or more (at most {MAX_MESSAGES})",
        open_end=True,
    ),
    "cached": lambda args: _flag(args, "cached"),
    "session_id": _session_id,
    "sender_type": lambda args: choice_value(args, "sender_type", SENDER_TYPES),
    "action": lambda args: choice_value(args, "action", ACTIONS),
    "compare": _compare,
}
