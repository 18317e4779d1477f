"""Callback inputs checked at the door, like URL parameters: a forged value gets a 400 naming the
property, never a 500. The browser only ever sends what the dashboard's own components hold."""

from __future__ import annotations

import uuid
from typing import Any, NoReturn

from flask import abort, jsonify, make_response

from data.errors import FieldError
from data.recording import MAX_TOPIC_LENGTH
from metrics.filters import Filters

MAX_TEXT = 2048


def reject(prop: str, message: str) -> NoReturn:
    """Stop the callback with `400 {"error": message, "field": prop}`."""
    abort(make_response(jsonify(error=message, field=prop), 400))


def text_or_none(value: Any, prop: str, longest: int = MAX_TEXT) -> str | None:
    """`value` when it is a string (of at most `longest` characters) or None."""
    if value is not None and (not isinstance(value, str) or len(value) > longest):
        reject(prop, f"{prop} must be a string of at most {longest} characters")
    return value


def stored_filters(data: Any, prop: str = "filters.data") -> Filters:
    """The filters in the `filters` store, through the same parser as the address (400 otherwise)."""
    try:
        return Filters.from_store(data)
    except FieldError as exc:
        reject(prop, f"{exc.field}: {exc}")


def selected_session(rows: Any, prop: str = "sessions-grid.selectedRows") -> str | None:
    """The session id of the first selected table row (None when nothing is selected)."""
    if rows is None or rows == []:
        return None
    if not isinstance(rows, list) or not isinstance(rows[0], dict):
        reject(prop, f"{prop} must be a list of table rows")
    session_id = rows[0].get("session_id")
    try:
        return str(uuid.UUID(session_id)) if session_id is not None else None
    except (TypeError, ValueError, AttributeError):
        reject(prop, "session_id must be a UUID")


def clicked_topic(click: Any, prop: str) -> str | None:
    """The topic of a clicked bar in a topic chart (None for no click or no bar)."""
    if click is None:
        return None
    points = click.get("points") if isinstance(click, dict) else None
    if points is not None and not isinstance(points, list):
        reject(prop, f"{prop} must hold a list of points")
    if not points:
        return None
    if not isinstance(points[0], dict):
        reject(prop, f"{prop} points must be objects")
    topic = points[0].get("customdata") or points[0].get("y")
    return text_or_none(topic, prop, MAX_TOPIC_LENGTH) or None
