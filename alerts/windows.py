"""The window a rule looks at: the last completed quarter-hour, hour, or 24 whole hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from alerts.rules import WINDOWS
from data.periods import Period

# What a window's end is aligned to: a quarter-hour for 15-minute windows, an hour for the others.
ALIGNMENT = {"15m": timedelta(minutes=15), "1h": timedelta(hours=1), "24h": timedelta(hours=1)}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def last_completed(window: str, now: datetime, tz: ZoneInfo) -> Period:
    """The latest window of this length that ended at or before `now`, on aligned boundaries, so
    that every evaluator (and every minute until the next boundary) looks at the same one."""
    step = ALIGNMENT[window]
    now = now.astimezone(UTC)
    end = EPOCH + ((now - EPOCH) // step) * step
    return Period(end - WINDOWS[window], end, tz)
