"""The dashboard's filter state: what the URL query string holds, and the period it stands for."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlencode
from zoneinfo import ZoneInfo

from data.periods import DEFAULT_PRESET, PRESETS, Period, PeriodError, resolve_period
from data.schema import SESSION_USER_TYPES


@dataclass(frozen=True)
class Filters:
    """A preset or a custom day range, and an optional user type."""

    preset: str | None = DEFAULT_PRESET
    start_date: str | None = None
    end_date: str | None = None
    user_type: str | None = None

    @property
    def custom(self) -> bool:
        return bool(self.start_date and self.end_date)

    def period(self, tz: ZoneInfo, now: datetime | None = None) -> Period:
        """The period these filters select (raises PeriodError when the range is malformed)."""
        if self.custom:
            return resolve_period(tz, start_date=self.start_date, end_date=self.end_date)
        return resolve_period(tz, self.preset or DEFAULT_PRESET, now=now)

    def query(self) -> str:
        """The URL query string for this state (`?period=30d&user_type=client`)."""
        params = (
            {"start_date": self.start_date, "end_date": self.end_date}
            if self.custom
            else {"period": self.preset}
        )
        if self.user_type:
            params["user_type"] = self.user_type
        return "?" + urlencode(params)

    def export_query(self, tz: ZoneInfo, now: datetime | None = None) -> str:
        """Query string for the CSV exports: the local days the period covers, and the user type."""
        period = self.period(tz, now)
        last = period.end - timedelta(microseconds=1)
        params = {
            "start_date": period.start.astimezone(tz).date().isoformat(),
            "end_date": last.astimezone(tz).date().isoformat(),
        }
        if self.user_type:
            params["user_type"] = self.user_type
        return "?" + urlencode(params)

    def to_store(self) -> dict:
        return asdict(self)

    @classmethod
    def from_store(cls, data: dict | None) -> Filters:
        return cls(**data) if data else cls()


def parse_query(search: str | None, tz: ZoneInfo) -> Filters:
    """Filters from a URL query string; anything unknown or malformed falls back to the default."""
    params = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items()}
    user_type = params.get("user_type") if params.get("user_type") in SESSION_USER_TYPES else None
    start, end = params.get("start_date"), params.get("end_date")
    if start and end:
        candidate = Filters(None, start, end, user_type)
        try:
            candidate.period(tz)
            return candidate
        except PeriodError:
            pass
    preset = params.get("period")
    return Filters(preset if preset in PRESETS else DEFAULT_PRESET, None, None, user_type)
