"""Showing stored UTC timestamps in the display zone, whatever value a row holds."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo


def in_zone(value: datetime, tz: tzinfo) -> datetime:
    """`value` in `tz`; in UTC when the zone's offset would push it past the calendar's ends
    (0001-01-01 in a zone west of UTC, 9999-12-31 east of it), which would otherwise raise."""
    try:
        return value.astimezone(tz)
    except (OverflowError, ValueError):
        return value.astimezone(UTC)
