"""Query-string filters of the exports, validated whole before a single row is streamed."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from data.audit import ACTIONS
from data.errors import FieldError
from data.periods import parse_day
from data.schema import SENDER_TYPES, SESSION_USER_TYPES

TRUE = {"true", "1", "yes", "on"}
FALSE = {"false", "0", "no", "off"}


class FilterError(FieldError):
    """A filter value the export cannot use; `field` names the query parameter."""


@dataclass(frozen=True)
class ExportFilters:
    """Every filter any export accepts; each export uses the ones the contract lists for it."""

    first_day: date | None = None
    last_day: date | None = None
    start: datetime | None = None
    end: datetime | None = None
    user_type: str | None = None
    is_active: bool | None = None
    resolved: bool | None = None
    session_id: str | None = None
    sender_type: str | None = None
    action: str | None = None


def _flag(args: Mapping[str, str], field: str) -> bool | None:
    value = args.get(field)
    if value is None or value == "":
        return None
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise FilterError(f"{field} must be true or false", field)


def _choice(args: Mapping[str, str], field: str, allowed: tuple[str, ...]) -> str | None:
    value = args.get(field) or None
    if value is not None and value not in allowed:
        raise FilterError(f"{field} must be one of {', '.join(allowed)}", field)
    return value


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tz)


def parse_filters(args: Mapping[str, str], allowed: set[str], tz: ZoneInfo) -> ExportFilters:
    """Validate the `allowed` parameters of `args` (others are ignored); raise FilterError at the first bad one."""
    first = parse_day(args["start_date"], "start_date") if args.get("start_date") else None
    last = parse_day(args["end_date"], "end_date") if args.get("end_date") else None
    if first and last and first > last:
        raise FilterError("start_date must not be after end_date", "start_date")
    session_id = args.get("session_id") or None if "session_id" in allowed else None
    if session_id is not None:
        try:
            session_id = str(uuid.UUID(session_id))
        except ValueError:
            raise FilterError("session_id must be a UUID", "session_id") from None
    return ExportFilters(
        first_day=first,
        last_day=last,
        start=_midnight(first, tz) if first else None,
        end=_midnight(last + timedelta(days=1), tz) if last else None,
        user_type=_choice(args, "user_type", SESSION_USER_TYPES) if "user_type" in allowed else None,
        is_active=_flag(args, "is_active") if "is_active" in allowed else None,
        resolved=_flag(args, "resolved") if "resolved" in allowed else None,
        session_id=session_id,
        sender_type=_choice(args, "sender_type", SENDER_TYPES) if "sender_type" in allowed else None,
        action=_choice(args, "action", ACTIONS) if "action" in allowed else None,
    )
