"""The one filter parser: dashboard address, API query, exports (and later topics and alert rules)
all read their filters through `parse_filters` into one `Filters`, with one set of errors
(`FieldError`: a message and the parameter it is about, answered as `{"error", "field"}`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode
from zoneinfo import ZoneInfo

from data.audit import ACTIONS
from data.errors import FieldError
from data.periods import DEFAULT_PRESET, PRESETS, Period, PeriodError, custom_range, parse_day, preset_period
from data.recording import MAX_TOPIC_LENGTH
from data.schema import SENDER_TYPES, SESSION_USER_TYPES
from metrics.spans import Segment

TRUE = {"true", "1", "yes", "on"}
FALSE = {"false", "0", "no", "off"}
# What a view (dashboard, API, exports) filters by; exports add the flags of their own kind.
VIEW_FIELDS = frozenset(
    {"period", "start_date", "end_date", "user_type", "topic", "resolved", "escalated", "rating"}
)
RATINGS = range(1, 6)


class FilterError(FieldError):
    """A filter value that cannot be used; `field` names the parameter."""


@dataclass(frozen=True)
class Filters:
    """A preset or a day range (either end may be open for exports), and what selects sessions."""

    preset: str | None = DEFAULT_PRESET
    start_date: str | None = None
    end_date: str | None = None
    user_type: str | None = None
    topic: str | None = None
    is_active: bool | None = None
    resolved: bool | None = None
    session_id: str | None = None
    sender_type: str | None = None
    action: str | None = None
    escalated: bool | None = None
    rating: str | None = None  # "1-2", "4": satisfaction ratings from-to (inclusive)

    @property
    def rating_range(self) -> tuple[int, int] | None:
        """The rating filter as (lowest, highest), or None."""
        if not self.rating:
            return None
        low, _, high = self.rating.partition("-")
        return int(low), int(high or low)

    @property
    def custom(self) -> bool:
        """True when a day range (not a preset) selects the period."""
        return bool(self.start_date or self.end_date)

    @property
    def first_day(self) -> date | None:
        return date.fromisoformat(self.start_date) if self.start_date else None

    @property
    def last_day(self) -> date | None:
        return date.fromisoformat(self.end_date) if self.end_date else None

    @property
    def segment(self) -> Segment:
        """The sessions every figure of the view counts."""
        return Segment(
            user_type=self.user_type,
            topic=self.topic,
            resolved=self.resolved,
            escalated=self.escalated,
            rating=self.rating_range,
        )

    def period(self, tz: ZoneInfo, now: datetime | None = None) -> Period:
        """The period these filters select: the day range, else the preset ending now."""
        if self.start_date and self.end_date:
            return custom_range(self.first_day, self.last_day, tz)
        return preset_period(self.preset or DEFAULT_PRESET, tz, now)

    def bounds(self, tz: ZoneInfo, now: datetime | None = None) -> tuple[datetime | None, datetime | None]:
        """[start, end) of the rows these filters select; an open side (or no period at all) is None."""
        if self.custom:
            first, last = self.first_day, self.last_day
            return (
                datetime.combine(first, time(), tz) if first else None,
                datetime.combine(last + timedelta(days=1), time(), tz) if last else None,
            )
        if self.preset:
            period = preset_period(self.preset, tz, now)
            return period.start, period.end
        return None, None

    def params(self) -> dict[str, str]:
        """The filters as query parameters (only those set)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or (f.name == "preset" and self.custom):
                continue
            out["period" if f.name == "preset" else f.name] = (
                str(value).lower() if isinstance(value, bool) else str(value)
            )
        return out

    def query(self) -> str:
        """The URL query string for these filters (`?period=30d&user_type=client`)."""
        return "?" + urlencode(self.params())

    def to_store(self) -> dict:
        return asdict(self)

    @classmethod
    def from_store(cls, data: Any) -> Filters:
        """Filters from a dashboard store (None: the defaults), validated as an address would be;
        raise FieldError for anything the dashboard itself never writes."""
        if data is None:
            return cls()
        names = {f.name for f in fields(cls)}
        if not isinstance(data, Mapping) or not set(data) <= names:
            raise FilterError(f"filters must be an object of {', '.join(sorted(names))}", "filters")
        params = {("period" if k == "preset" else k): v for k, v in data.items() if v is not None}
        return parse_filters(params, allowed=names | {"period"})


def _text(args: Mapping[str, Any], name: str) -> str | None:
    value = args.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise FilterError(f"{name} must be text", name)
    return value


def _choice(args: Mapping[str, Any], name: str, allowed: Iterable[str]) -> str | None:
    value = _text(args, name)
    allowed = tuple(allowed)
    if value is not None and value not in allowed:
        raise FilterError(f"{name} must be one of {', '.join(allowed)}", name)
    return value


def _flag(args: Mapping[str, Any], name: str) -> bool | None:
    value = args.get(name)
    if isinstance(value, bool):
        return value
    value = _text(args, name)
    if value is None:
        return None
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise FilterError(f"{name} must be true or false", name)


def _topic(args: Mapping[str, Any]) -> str | None:
    value = _text(args, "topic")
    if value is not None and (len(value) > MAX_TOPIC_LENGTH or not value.strip()):
        raise FilterError(f"topic must be 1 to {MAX_TOPIC_LENGTH} characters", "topic")
    return value


def _session_id(args: Mapping[str, Any]) -> str | None:
    value = _text(args, "session_id")
    if value is None:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise FilterError("session_id must be a UUID", "session_id") from None


def _rating(args: Mapping[str, Any]) -> str | None:
    value = _text(args, "rating")
    if value is None:
        return None
    low, dash, high = value.partition("-")
    try:
        bounds = (int(low), int(high) if dash else int(low))
    except ValueError:
        bounds = None
    if bounds is None or not all(b in RATINGS for b in bounds) or bounds[0] > bounds[1]:
        raise FilterError("rating must be a rating 1-5 or a range such as 1-2", "rating")
    return str(bounds[0]) if bounds[0] == bounds[1] else f"{bounds[0]}-{bounds[1]}"


_PARSERS = {
    "user_type": lambda args: _choice(args, "user_type", SESSION_USER_TYPES),
    "topic": _topic,
    "is_active": lambda args: _flag(args, "is_active"),
    "resolved": lambda args: _flag(args, "resolved"),
    "escalated": lambda args: _flag(args, "escalated"),
    "rating": _rating,
    "session_id": _session_id,
    "sender_type": lambda args: _choice(args, "sender_type", SENDER_TYPES),
    "action": lambda args: _choice(args, "action", ACTIONS),
}


def parse_filters(
    args: Mapping[str, Any],
    *,
    allowed: Iterable[str] = VIEW_FIELDS,
    default_preset: str | None = DEFAULT_PRESET,
    open_range: bool = False,
    latest_day: date | None = None,
) -> Filters:
    """Validate the `allowed` parameters of `args` (others are ignored) into Filters; raise
    FieldError at the first bad one. A day range wins over `period`; without either the period
    is `default_preset` (None: unbounded). `open_range` lets one end of a day range be left out;
    `latest_day` refuses days after it (the dashboard's today, as its date inputs do)."""
    allowed = set(allowed)
    start = _text(args, "start_date")
    end = _text(args, "end_date")
    first = parse_day(start, "start_date") if start else None
    last = parse_day(end, "end_date") if end else None
    for day, name in ((first, "start_date"), (last, "end_date")):
        if latest_day is not None and day is not None and day > latest_day:
            raise FilterError(f"{name} {day} is in the future (today is {latest_day})", name)
    if first and last:
        custom_range(first, last, ZoneInfo("UTC"))  # raises on a reversed or too long range
    elif (first or last) and not open_range:
        missing = "end_date" if first else "start_date"
        raise PeriodError(f"{missing} is required with {'start_date' if first else 'end_date'}", missing)
    preset = _choice(args, "period", PRESETS) if "period" in allowed else None
    if first or last:
        preset = None
    elif preset is None:
        preset = default_preset
    values = {name: parse(args) for name, parse in _PARSERS.items() if name in allowed}
    return Filters(
        preset=preset,
        start_date=first.isoformat() if first else None,
        end_date=last.isoformat() if last else None,
        **values,
    )


def parse_search(search: str | None, latest_day: date | None = None) -> tuple[Filters, list[FieldError]]:
    """The dashboard's filters from its address: what could be read, and what could not (each bad
    parameter is dropped; a bad date drops the range; days after `latest_day` are refused)."""
    params = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items()}
    problems: list[FieldError] = []
    for _ in range(len(VIEW_FIELDS) + 1):
        try:
            return parse_filters(params, latest_day=latest_day), problems
        except FieldError as exc:
            problems.append(exc)
            dropped = ("start_date", "end_date") if exc.field in ("start_date", "end_date") else (exc.field,)
            params = {k: v for k, v in params.items() if k not in dropped}
    return Filters(), problems
