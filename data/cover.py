"""Splitting a time range into what the rollups answer and what the base tables must.

Whole UTC days come from day rows, the remaining whole hours from hour rows, and the parts of an
hour at either end (a rolling period ends "now"; a zone half an hour off UTC starts its days at
:30) from the base tables through their created_at indexes: at most two hours of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, false, or_

HOUR = 3600
DAY = 86_400
WEEK = 7 * DAY  # 7-day blocks from the epoch (a Thursday): only the response-time histograms keep them
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch(at: datetime) -> int:
    """Whole seconds since the epoch, rounded down."""
    return (at - _EPOCH) // timedelta(seconds=1)


def moment(seconds: int) -> datetime:
    """The UTC datetime `seconds` after the epoch."""
    return _EPOCH + timedelta(seconds=seconds)


def bucket_start(at: datetime, size: int) -> int:
    """The UTC start (epoch seconds) of the `size`-second bucket holding `at`; exact to the microsecond."""
    return (at - _EPOCH) // timedelta(seconds=size) * size


def _ceil(at: datetime, size: int) -> int:
    s = bucket_start(at, size)
    return s if moment(s) == at else s + size


@dataclass(frozen=True)
class Cover:
    """[start, end) as raw edges, hour-row ranges and a day-row range (epoch seconds, half-open)."""

    edges: tuple[tuple[datetime, datetime], ...]
    hours: tuple[tuple[int, int], ...]
    days: tuple[int, int] | None = None

    @property
    def first_hour(self) -> int | None:
        """Where the whole hours begin (days included), or None when there are none."""
        starts = [lo for lo, _ in self.hours] + ([self.days[0]] if self.days else [])
        return min(starts) if starts else None

    @property
    def end_hour(self) -> int | None:
        ends = [hi for _, hi in self.hours] + ([self.days[1]] if self.days else [])
        return max(ends) if ends else None

    def where(self, table):
        """SQL: the rows of a rollup table inside the cover (a table without `grain` holds hours)."""
        start = table.c.start
        hour_rows = [and_(start >= lo, start < hi) for lo, hi in self.hours]
        if "grain" not in table.c:
            return or_(*hour_rows) if hour_rows else false()
        parts = [and_(table.c.grain == "h", or_(*hour_rows))] if hour_rows else []
        if self.days:
            parts.append(and_(table.c.grain == "d", start >= self.days[0], start < self.days[1]))
        return or_(*parts) if parts else false()

    def where_weeks(self, table):
        """SQL: the cover's rows of a table that also keeps week rows: whole weeks from week rows,
        the days around them from day rows, the hours from hour rows (a fifth as many rows at 90
        days)."""
        if not self.days:
            return self.where(table)
        d1, d2 = self.days
        w1, w2 = -(-d1 // WEEK) * WEEK, d2 // WEEK * WEEK
        if w1 >= w2:
            return self.where(table)
        start, grain = table.c.start, table.c.grain
        return or_(
            Cover(edges=(), hours=self.hours, days=(d1, w1) if d1 < w1 else None).where(table),
            and_(grain == "d", start >= w2, start < d2),
            and_(grain == "w", start >= w1, start < w2),
        )


def cover(start: datetime, end: datetime, *, days: bool = False) -> Cover:
    """The cover of [start, end); `days` lets whole UTC days come from day rows."""
    h1, h2 = _ceil(start, HOUR), bucket_start(end, HOUR)
    if h1 >= h2:
        return Cover(edges=((start, end),) if start < end else (), hours=())
    edges = tuple((lo, hi) for lo, hi in ((start, moment(h1)), (moment(h2), end)) if lo < hi)
    if days:
        d1, d2 = _ceil(moment(h1), DAY), bucket_start(moment(h2), DAY)
        if d1 < d2:
            hours = tuple((lo, hi) for lo, hi in ((h1, d1), (d2, h2)) if lo < hi)
            return Cover(edges=edges, hours=hours, days=(d1, d2))
    return Cover(edges=edges, hours=((h1, h2),))
