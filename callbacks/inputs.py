"""Callback inputs checked at the door, like URL parameters: a forged value gets a 400 naming the
property, never a 500. The browser only ever sends what the dashboard's own components hold."""

from __future__ import annotations

import uuid
from dataclasses import fields
from typing import Any, NoReturn

from flask import abort, jsonify, make_response

from callbacks.state import Filters
from data.periods import PeriodError
from data.recording import MAX_TOPIC_LENGTH
from data.schema import SESSION_USER_TYPES
from web.context import services

FILTER_FIELDS = frozenset(f.name for f in fields(Filters))
MAX_TEXT = 2048


def reject(prop: str, message: str) -> NoReturn:
    """Stop the callback with `400 {"error": message, "field": prop}`."""
    abort(make_response(jsonify(error=message, field=prop), 400))


def text_or_none(value: Any, prop: str, longest: int = MAX_TEXT) -> str | None:
    """`value` when it is a string (of at most `longest` characters) or None."""
    if value is not None and (not isinstance(value, str) or len(value) > longest):
        reject(prop, f"{prop} must be a string of at most {longest} characters")
    return value


def valid_filters(filters: Filters, prop: str) -> Filters:
    """`filters` when they select a period the URL parsers would accept, with a known user type."""
    if filters.user_type not in (None, *SESSION_USER_TYPES):
        reject(prop, f"user_type must be one of {', '.join(SESSION_USER_TYPES)}")
    try:
        filters.period(services().config.tz)
    except PeriodError as exc:
        reject(prop, f"{exc.field}: {exc}")
    return filters


def stored_filters(data: Any, prop: str = "filters.data") -> Filters:
    """The filters in the `filters` store, if they have the shape and values the dashboard writes."""
    if data is None:
        return Filters()
    if (
        not isinstance(data, dict)
        or not set(data) <= FILTER_FIELDS
        or not all(v is None or isinstance(v, str) for v in data.values())
    ):
        reject(prop, f"{prop} must be an object of {', '.join(sorted(FILTER_FIELDS))} strings")
    return valid_filters(Filters(**data), prop)


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


def clicked_topic(click: Any, prop: str = "chart-topics.clickData") -> str | None:
    """The topic of a clicked bar in the top-topics chart (None for no click or no bar)."""
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
