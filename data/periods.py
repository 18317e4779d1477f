"""Reporting periods: a preset ending now, or whole days in the display time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from data.errors import FieldError

PRESETS: dict[str, timedelta] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}
PRESET_LABELS = {"24h": "Last 24 hours", "7d": "Last 7 days", "30d": "Last 30 days", "90d": "Last 90 days"}
DEFAULT_PRESET = "7d"
MAX_CUSTOM_DAYS = 3660
# Far enough from date.min/max that local midnight, the previous period and a
# time zone shift all stay representable.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9998, 12, 31)


class PeriodError(FieldError):
    """A period parameter is malformed; `field` names the offending parameter."""


@dataclass(frozen=True)
class Period:
    """A half-open UTC interval [start, end) with the time zone it is displayed in."""

    start: datetime
    end: datetime
    tz: ZoneInfo
    preset: str | None = None
    first_day: date | None = None
    last_day: date | None = None

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def hourly(self) -> bool:
        """True for the 24-hour preset and one-day ranges: charts use hourly buckets, else daily."""
        return self.duration <= timedelta(hours=25)  # a single day, DST days included

    @property
    def label(self) -> str:
        if self.preset:
            return PRESET_LABELS[self.preset]
        if self.first_day is not None and self.last_day is not None:
            return f"{self.first_day:%d %b %Y} – {self.last_day:%d %b %Y}"
        start, end = self.start.astimezone(self.tz), self.end.astimezone(self.tz)
        return f"{start:%d %b %Y %H:%M} – {end:%d %b %Y %H:%M}"

    def buckets(self, hourly: bool | None = None) -> list[Period]:
        """Consecutive local hours (one-day periods, or any with `hourly`) or local days covering the
        period, clipped to it."""
        local_start = self.start.astimezone(self.tz)
        if self.hourly if hourly is None else hourly:
            edge = local_start.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
            step = timedelta(hours=1)
            edges = []
            while edge < self.end:
                edges.append(edge)
                edge += step  # UTC steps: a local hour is an hour long even across DST
        else:
            day = local_start.date()
            edges = []
            while (edge := datetime.combine(day, time(), self.tz).astimezone(UTC)) < self.end:
                edges.append(edge)
                day += timedelta(days=1)
        bounds = [*edges, self.end]
        return [Period(max(lo, self.start), hi, self.tz) for lo, hi in zip(bounds, bounds[1:], strict=False)]

    def previous(self) -> Period:
        """The period of the same length just before this one (same number of local days for ranges)."""
        if self.first_day is not None and self.last_day is not None:
            days = (self.last_day - self.first_day).days + 1
            return custom_range(
                self.first_day - timedelta(days=days), self.first_day - timedelta(days=1), self.tz
            )
        length = PRESETS[self.preset] if self.preset else self.duration
        return Period(self.start - length, self.start, self.tz, self.preset)


def preset_period(preset: str, tz: ZoneInfo, now: datetime | None = None) -> Period:
    """The preset period ending now (now itself included)."""
    if preset not in PRESETS:
        raise PeriodError(f"period must be one of {', '.join(PRESETS)}", "period")
    now = (now or datetime.now(UTC)).astimezone(UTC)
    # Timestamps have microsecond resolution, so [start, now] equals [start, now + 1 µs).
    return Period(now - PRESETS[preset], now + timedelta(microseconds=1), tz, preset)


def rolling_period(days: int, tz: ZoneInfo, now: datetime | None = None) -> Period:
    """The `days` days ending now (a preset when one has that length)."""
    if f"{days}d" in PRESETS:
        return preset_period(f"{days}d", tz, now)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return Period(now - timedelta(days=days), now + timedelta(microseconds=1), tz)


def custom_range(first_day: date, last_day: date, tz: ZoneInfo) -> Period:
    """Whole local days first_day..last_day, both inclusive, in `tz` (DST-correct)."""
    if first_day > last_day:
        raise PeriodError("start_date must not be after end_date", "start_date")
    if (last_day - first_day).days >= MAX_CUSTOM_DAYS:
        raise PeriodError(f"a custom range may span at most {MAX_CUSTOM_DAYS} days", "start_date")
    start = datetime.combine(first_day, time(), tz).astimezone(UTC)
    end = datetime.combine(last_day + timedelta(days=1), time(), tz).astimezone(UTC)
    return Period(start, end, tz, None, first_day, last_day)


def parse_day(value: str, field: str) -> date:
    """Parse a YYYY-MM-DD query value, naming `field` in the error."""
    try:
        if len(value) != 10:
            raise ValueError
        day = date.fromisoformat(value)
    except (TypeError, ValueError):
        raise PeriodError(f"{field} must be a date as YYYY-MM-DD", field) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise PeriodError(f"{field} must be between {FIRST_DAY} and {LAST_DAY}", field)
    return day
