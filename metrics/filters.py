"""The one filter parser: dashboard address, API query, exports (and later topics and alert rules)
all read their filters through `parse_filters` into one `Filters`, with one set of errors
(`FieldError`: a message and the parameter it is about, answered as `{"error", "field"}`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
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
    {
        "period", "start_date", "end_date", "user_type", "topic", "resolved", "escalated", "rating",
        "duration", "messages", "cached",
    }
)  # fmt: skip
# The dashboard's address adds a comparison (`compare`), which the API and exports do not read.
DASHBOARD_FIELDS = VIEW_FIELDS | {"compare"}
COMPARE_ALL = "all"  # `compare=all`: the same period, every session (no user type, no segment)
COMPARE_USER_TYPE = "user_type:"  # `compare=user_type:provider`: the view with another user type
RATINGS = range(1, 6)
MAX_TOPICS = 20
# Bounds of the range filters (a day is longer than any real chat; more messages would be a bot).
MAX_DURATION_S = 7 * 24 * 3600
MAX_MESSAGES = 100_000


class FilterError(FieldError):
    """A filter value that cannot be used; `field` names the parameter."""


@dataclass(frozen=True)
class Filters:
    """A preset or a day range (either end may be open for exports), and what selects sessions."""

    preset: str | None = DEFAULT_PRESET
    start_date: str | None = None
    end_date: str | None = None
    user_type: str | None = None
    topics: tuple[str, ...] = ()  # `topic=a&topic=b`: sessions that discussed any of them
    is_active: bool | None = None
    resolved: bool | None = None
    session_id: str | None = None
    sender_type: str | None = None
    action: str | None = None
    escalated: bool | None = None
    rating: str | None = None  # "1-2", "4": satisfaction ratings from-to (inclusive)
    duration: str | None = None  # "60-300", "900-": closed sessions lasting from (inclusive) to (exclusive) s
    messages: str | None = None  # "1-2", "11-": closed sessions with from-to messages (inclusive)
    cached: bool | None = None  # sessions given at least one cached answer (or none)
    compare: str | None = None  # "all" or "user_type:provider": the segment shown beside this one

    @property
    def rating_range(self) -> tuple[int, int] | None:
        """The rating filter as (lowest, highest), or None."""
        return _bounds(self.rating) if self.rating else None

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
            topics=self.topics,
            resolved=self.resolved,
            escalated=self.escalated,
            rating=self.rating_range,
            duration=_bounds(self.duration) if self.duration else None,
            messages=_bounds(self.messages) if self.messages else None,
            cached=self.cached,
        )

    def comparison(self) -> Filters | None:
        """The filters of the compared segment over the same period, or None without a comparison."""
        if self.compare is None:
            return None
        if self.compare == COMPARE_ALL:
            return Filters(self.preset, self.start_date, self.end_date)
        return replace(self, user_type=self.compare.removeprefix(COMPARE_USER_TYPE), compare=None)

    def segment_words(self) -> list[str]:
        """`topic billing`, `unresolved`, `rated 1-2`...: what selects sessions beyond the period and
        user type, in words (the explorer's header, the export and save notices)."""
        words = []
        if self.topics:
            words.append(f"{'topic' if len(self.topics) == 1 else 'topics'} {' or '.join(self.topics)}")
        if self.resolved is not None:
            words.append("resolved" if self.resolved else "unresolved")
        if self.escalated is not None:
            words.append("escalated" if self.escalated else "not escalated")
        if self.rating:
            words.append(f"rated {self.rating}")
        if self.duration:
            words.append(f"lasting {_range_words(self.duration)} s")
        if self.messages:
            words.append(f"{_range_words(self.messages)} messages")
        if self.cached is not None:
            words.append("some cached answers" if self.cached else "no cached answers")
        return words

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

    def params(self) -> dict[str, str | list[str]]:
        """The filters as query parameters (only those set); `topic` is a list when there are several."""
        out: dict[str, str | list[str]] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or value == () or (f.name == "preset" and self.custom):
                continue
            if f.name == "topics":
                out["topic"] = value[0] if len(value) == 1 else list(value)
                continue
            out["period" if f.name == "preset" else f.name] = (
                str(value).lower() if isinstance(value, bool) else str(value)
            )
        return out

    def query(self) -> str:
        """The URL query string for these filters (`?period=30d&user_type=client`)."""
        return "?" + urlencode(self.params(), doseq=True)

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
        renamed = {"preset": "period", "topics": "topic"}
        params = {renamed.get(k, k): v for k, v in data.items() if v is not None}
        return parse_filters(params, allowed=names | set(renamed.values()))


def _range_words(value: str) -> str:
    """`900-` as `900+`; a closed range as it is written."""
    return value[:-1] + "+" if value.endswith("-") else value


def _text(args: Mapping[str, Any], name: str) -> str | None:
    value = args.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise FilterError(f"{name} must be text", name)
    if "\x00" in value:
        raise FilterError(f"{name} must not contain NUL characters", name)
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


def _topics(args: Mapping[str, Any]) -> tuple[str, ...]:
    """Every `topic` given (repeated in a query, or a list from a store), once each, sorted."""
    getlist = getattr(args, "getlist", None)
    value = getlist("topic") if getlist else args.get("topic")
    values = value if isinstance(value, list | tuple) else [value]
    found = set()
    for one in values:
        text = _text({"topic": one}, "topic")
        if text is None:
            continue
        if len(text) > MAX_TOPIC_LENGTH or not text.strip():
            raise FilterError(f"topic must be 1 to {MAX_TOPIC_LENGTH} characters", "topic")
        found.add(text)
    if len(found) > MAX_TOPICS:
        raise FilterError(f"topic may be given at most {MAX_TOPICS} times", "topic")
    return tuple(sorted(found))


def _session_id(args: Mapping[str, Any]) -> str | None:
    value = _text(args, "session_id")
    if value is None:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise FilterError("session_id must be a UUID", "session_id") from None


def _bounds(value: str) -> tuple[int, int | None]:
    """`"3"` is (3, 3), `"1-2"` (1, 2), `"11-"` (11, None): no upper bound."""
    low, dash, high = value.partition("-")
    return int(low), (int(high) if high else None) if dash else int(low)


def _range(args: Mapping[str, Any], name: str, span: range, message: str, *, open_end: bool) -> str | None:
    """A `from-to` range of whole numbers within `span` (`from-` with no upper bound, when
    `open_end`) in its one written form; FilterError(message) naming `name` otherwise."""
    value = _text(args, name)
    if value is None:
        return None
    low, _, high = value.partition("-")
    numbers = low.isascii() and low.isdigit() and (not high or (high.isascii() and high.isdigit()))
    bounds = _bounds(value) if numbers else None
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
    value = _text(args, "compare")
    kinds = (COMPARE_ALL, *(COMPARE_USER_TYPE + kind for kind in SESSION_USER_TYPES))
    if value is not None and value not in kinds:
        raise FilterError(f"compare must be one of {', '.join(kinds)}", "compare")
    return value


_PARSERS = {
    "user_type": lambda args: _choice(args, "user_type", SESSION_USER_TYPES),
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
    "sender_type": lambda args: _choice(args, "sender_type", SENDER_TYPES),
    "action": lambda args: _choice(args, "action", ACTIONS),
    "compare": _compare,
}


_PARAMS = {"topics": "topic"}


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
    # The address says `topic` (repeated for several); the filters hold them as `topics`.
    values = {name: parse(args) for name, parse in _PARSERS.items() if _PARAMS.get(name, name) in allowed}
    return Filters(
        preset=preset,
        start_date=first.isoformat() if first else None,
        end_date=last.isoformat() if last else None,
        **values,
    )


def parse_search(search: str | None, latest_day: date | None = None) -> tuple[Filters, list[FieldError]]:
    """The dashboard's filters from its address: what could be read, and what could not (each bad
    parameter is dropped; a bad date drops the range; days after `latest_day` are refused)."""
    params = {k: (v if k == "topic" else v[-1]) for k, v in parse_qs((search or "").lstrip("?")).items()}
    problems: list[FieldError] = []
    for _ in range(len(DASHBOARD_FIELDS) + 1):
        try:
            return parse_filters(params, allowed=DASHBOARD_FIELDS, latest_day=latest_day), problems
        except FieldError as exc:
            problems.append(exc)
            dropped = ("start_date", "end_date") if exc.field in ("start_date", "end_date") else (exc.field,)
            params = {k: v for k, v in params.items() if k not in dropped}
    return Filters(), problems
