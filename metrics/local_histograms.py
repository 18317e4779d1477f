"""Response-time histograms per local day from the day rows, in any zone a whole number of hours
off UTC: each UTC day's row goes to the local day holding its noon, and only the hours that lie in
another local day move (added to theirs, taken from the noon's). A 90-day series in New York reads
~90 day rows and ~450 hour rows a bucket instead of ~2,160 hour rows.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Connection,
    and_,
    column,
    func,
    join,
    literal,
    or_,
    select,
    union_all,
    values,
)

from data.cover import DAY, HOUR, Cover
from data.periods import Period
from data.schema import rollup_response
from metrics.localtime import local_bucket, local_key
from metrics.spans import Selecting, user_type_is

_NOON = DAY // 2


def _moved_hours(period: Period, days: tuple[int, int]) -> list[tuple[int, int]]:
    """[start, end) ranges of the hours (epoch seconds) in the UTC days `days` whose local day is not
    the one holding their UTC day's noon."""
    ranges: list[tuple[int, int]] = []
    for day in range(days[0], days[1], DAY):
        home = local_key(datetime.fromtimestamp(day + _NOON, UTC).astimezone(period.tz), DAY)
        for hour in range(day, day + DAY, HOUR):
            if local_key(datetime.fromtimestamp(hour, UTC).astimezone(period.tz), DAY) == home:
                continue
            if ranges and ranges[-1][1] == hour:
                ranges[-1] = (ranges[-1][0], hour + HOUR)
            else:
                ranges.append((hour, hour + HOUR))
    return ranges


def local_day_histograms(
    conn: Connection, period: Period, spans: Cover, segment: Selecting
) -> dict[int, dict[int, int]]:
    """{local day (as local_bucket numbers it): {histogram bucket: n}} of the cover's whole hours
    and days, for a daily series; the cover's edges are the caller's."""
    r = rollup_response.c
    of_type = user_type_is(rollup_response, segment)

    def summed(key, sign: int, *where, source=rollup_response):
        return (
            select(key.label("key"), r.bucket, (func.sum(r.n) * literal(sign)).label("n"))
            .select_from(source)
            .where(*where, *of_type)
            .group_by(key, r.bucket)
        )

    parts = []
    if spans.hours:
        hours = or_(*(and_(r.start >= lo, r.start < hi) for lo, hi in spans.hours))
        parts.append(summed(local_bucket(r.start, period, DAY), 1, r.grain == "h", hours))
    if spans.days:
        d1, d2 = spans.days
        noon_day = local_bucket(r.start - r.start % DAY + _NOON, period, DAY)
        parts.append(summed(noon_day, 1, r.grain == "d", r.start >= d1, r.start < d2))
        moved = _moved_hours(period, spans.days)
        if moved:
            # The ranges as a table joined on the index (grain, start): one short index range each,
            # where an OR of ~90 ranges made SQLite test every hour row against all of them.
            ranges = values(column("lo", BigInteger), column("hi", BigInteger), name="moved").data(moved)
            ranges = ranges.cte("moved")
            hours = join(rollup_response, ranges, and_(r.start >= ranges.c.lo, r.start < ranges.c.hi))
            day_of_hour = local_bucket(r.start, period, DAY)
            parts.append(summed(day_of_hour, 1, r.grain == "h", source=hours))
            parts.append(summed(noon_day, -1, r.grain == "h", source=hours))
    out: dict[int, dict[int, int]] = {}
    if not parts:
        return out
    for key, bucket, n in conn.execute(union_all(*parts)):
        hist = out.setdefault(int(key), {})
        hist[int(bucket)] = hist.get(int(bucket), 0) + int(n)
    return {k: {b: n for b, n in hist.items() if n} for k, hist in out.items()}
