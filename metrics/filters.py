"""The one filter parser: dashboard address, API query, exports (and later topics and alert rules)
all read their filters through `parse_filters` into one `Filters`, with one set of errors
(`FieldError`: a message and the parameter it is about, answered as `{"error", "field"}`). How
each parameter is read and checked is in metrics.filter_values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode
from zoneinfo import ZoneInfo

from data.errors import FieldError
from data.periods import DEFAULT_PRESET, PRESETS, Period, PeriodError, custom_range, parse_day, preset_period
from metrics.filter_values import (
    COMPARE_ALL,
    COMPARE_USER_TYPE,
    PARSERS,
    FilterError,
    choice_value,
    range_bounds,
    text_value,
)
from metrics.spans import Segment

# What a view (dashboard, API, exports) filters by; exports add the flags of their own kind.
VIEW_FIELDS = frozenset(
    {
        "period", "start_date", "end_date", "user_type", "topic", "resolved", "escalated", "rating",
        "duration", "messages", "cached",
    }
)  # fmt: skip
# The dashboard's address adds a comparison (`compare`), which the API and exports do not read.
DASHBOARD_FIELDS = VIEW_FIELDS | {"compare"}


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
        return range_bounds(self.rating) if self.rating else None

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
            duration=range_bounds(self.duration) if self.duration else None,
            messages=range_bounds(self.messages) if self.messages else None,
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
    start = text_value(args, "start_date")
    end = text_value(args, "end_date")
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
    preset = choice_value(args, "period", PRESETS) if "period" in allowed else None
    if first or last:
        preset = None
    elif preset is None:
        preset = default_preset
    # The address says `topic` (repeated for several); the filters hold them as `topics`.
    values = {name: parse(args) for name, parse in PARSERS.items() if _PARAMS.get(name, name) in allowed}
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
