"""Local time in SQL: bucketing UTC timestamps into the display zone's hours and days, DST included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import case, literal

from data.cover import epoch
from data.periods import Period


def offset_changes(period: Period) -> list[tuple[datetime, int]]:
    """The display zone's UTC offset (seconds) at the period's start, then at each change within it."""

    def offset_at(moment: datetime) -> int:
        return int(moment.astimezone(period.tz).utcoffset().total_seconds())

    changes = [(period.start, offset_at(period.start))]
    day = period.start
    # Day steps, then quarter-hours inside a day whose offset changed (zones change on the hour or
    # a quarter past, at most twice a year: a 90-day period costs ~90 conversions, not ~2,000).
    while day < period.end:
        next_day = min(day + timedelta(days=1), period.end)
        if offset_at(next_day) != changes[-1][1]:
            edge = datetime.fromtimestamp(epoch(day) // 900 * 900, UTC)  # on the quarter-hour grid
            while edge < next_day:
                edge += timedelta(minutes=15)
                offset = offset_at(edge)
                if offset != changes[-1][1]:
                    changes.append((edge, offset))
        day = next_day
    return changes


def local_bucket(seconds, period: Period, size: int):
    """SQL: the local hour or day (seconds since epoch in local time // size) of an epoch-seconds
    expression (a rollup's `start`, or `epoch_bucket(created_at, 1)`)."""
    changes = offset_changes(period)
    offset = (
        case(
            *(
                (seconds < epoch(at), literal(prev))
                for (at, _), (_, prev) in zip(changes[1:], changes, strict=False)
            ),
            else_=literal(changes[-1][1]),
        )
        if len(changes) > 1
        else literal(changes[0][1])
    )
    return (seconds + offset) // literal(size)


def local_key(moment: datetime, size: int) -> int:
    """The local bucket number (as `local_bucket` computes it in SQL) of an aware datetime."""
    local = moment.utcoffset() or timedelta(0)
    return (int(moment.timestamp()) + int(local.total_seconds())) // size


def bucket_seconds(period: Period) -> int:
    """The UTC bucket size that never straddles a local hour: an hour, or 15 minutes in zones a
    half or quarter hour off UTC (India, Nepal...)."""
    offsets = {moment.astimezone(period.tz).utcoffset() for moment in (period.start, period.end)}
    return 3600 if all(o.total_seconds() % 3600 == 0 for o in offsets) else 900


def local_days(start: pd.Timestamp, end: pd.Timestamp, period: Period) -> pd.DatetimeIndex:
    """Local midnights from `start`'s day to `end`'s, stepping in calendar days (DST days keep them)."""
    days = pd.date_range(start.date(), end.date(), freq="D")
    return pd.DatetimeIndex([d.tz_localize(period.tz) for d in days])


def local_midnight(stamps: pd.Series, period: Period) -> pd.Series:
    """The local midnight starting each timestamp's day."""
    return pd.to_datetime(stamps.dt.date).dt.tz_localize(period.tz)
