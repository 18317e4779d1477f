"""Percentiles of many histograms at once, read from the database in a compact form.

A chart's anomaly markers judge 1,176 hours, each a histogram of ~100 buckets kept per user type:
at 1M sessions ~435,000 rollup rows. Building a Python row for each cost more than the rest of
the chart (~300 ms on SQLite, ~290 ms of decoding on PostgreSQL at 100k). On PostgreSQL, SQL
numbers each group's buckets cumulatively (window sums) and returns only the buckets holding the
order statistics a percentile needs (~2 a group); metrics.percentiles interpolates them exactly as
from_histogram does. SQLite's window sums cost more than they save, so there each group's
(bucket, count) pairs come as one text (group_concat), parsed at once by numpy; the same walk as
from_histogram then runs on its cumulative counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection, Float, Select, and_, cast, func, literal, or_, select

from data import histogram
from metrics.percentiles import from_order_buckets, interpolate, ranks_needed


def grouped_percentiles(conn: Connection, counts: Select, qs: Sequence[int]) -> dict[Any, tuple[int, dict]]:
    """{key: (values counted, {q: percentile})} for `counts`, a statement of (key, histogram bucket,
    count) rows (a key and bucket may come in several rows: they add up); the same figures as
    from_histogram of each key's histogram. Keys with no values counted are left out."""
    if conn.dialect.name == "sqlite":
        return _sqlite_grouped_percentiles(conn, counts, qs)
    c = counts.subquery("rows")
    key, bucket, n = list(c.c)
    summed = select(key, bucket, func.sum(n)).group_by(key, bucket).subquery("counts")
    key, bucket, n = list(summed.c)
    # Counts as double precision: PostgreSQL sums bigints as numeric, several times slower, and
    # doubles hold whole numbers exactly up to 2^53.
    counted = (
        select(key.label("key"), bucket.label("bucket"), cast(n, Float).label("n"))
        .where(n > 0)
        .subquery("counted")
    )
    k = counted.c
    cumulative = func.sum(k.n).over(partition_by=k.key, order_by=k.bucket)
    numbered = select(k.key, k.bucket, k.n, cumulative.label("upto"),
                      func.sum(k.n).over(partition_by=k.key).label("total")).subquery("numbered")  # fmt: skip
    w = numbered.c
    before = w.upto - w.n
    # The order statistics percentile q needs are ranks lo and lo + 1, lo = floor((total - 1) q / 100)
    # as metrics.percentiles.rank computes it; a bucket is kept when its ranks [before, upto) meet them.
    needed = []
    for q in qs:
        lo = func.floor((w.total - 1) * literal(q) / literal(100.0))
        needed.append(and_(w.upto > lo, before <= lo + 1))
    rows = conn.execute(select(w.key, w.bucket, before, w.upto, w.total).where(or_(*needed)))
    found: dict[Any, list[tuple[int, int, int]]] = defaultdict(list)
    totals: dict[Any, int] = {}
    for group, b, first, upto, total in rows:
        found[group].append((int(b), int(first), int(upto)))
        totals[group] = int(total)
    return {
        group: (totals[group], from_order_buckets(totals[group], spans, qs)) for group, spans in found.items()
    }


def _sqlite_grouped_percentiles(
    conn: Connection, counts: Select, qs: Sequence[int]
) -> dict[Any, tuple[int, dict]]:
    c = counts.subquery("rows")
    key, bucket, n = list(c.c)
    pairs = func.group_concat(bucket.op("||")(literal(" ")).op("||")(n), literal(" "))
    rows = conn.execute(select(key, func.count(), pairs).where(n > 0).group_by(key)).all()
    if not rows:
        return {}
    numbers = np.fromstring(" ".join(text for _, _, text in rows), dtype=np.int64, sep=" ").reshape(-1, 2)
    group = np.repeat(np.arange(len(rows)), [int(size) for _, size, _ in rows])
    # Sorted by group, then bucket; one entry per (group, bucket), its counts added up.
    order = np.lexsort((numbers[:, 0], group))
    group, buckets, counted = group[order], numbers[order, 0], numbers[order, 1]
    starts = np.flatnonzero(np.r_[True, (group[1:] != group[:-1]) | (buckets[1:] != buckets[:-1])])
    group, buckets, counted = group[starts], buckets[starts], np.add.reduceat(counted, starts)
    bounds = np.searchsorted(group, np.arange(len(rows) + 1))
    out = {}
    for g, (k, _, _) in enumerate(rows):
        upto = np.cumsum(counted[bounds[g] : bounds[g + 1]])
        total = int(upto[-1])
        # As from_histogram walks: an order statistic lies in the first bucket counted past it.
        needed = ranks_needed(total, qs)
        found = np.searchsorted(upto, needed, side="right")
        values = {
            r: histogram.representative(int(buckets[bounds[g] + i]))
            for r, i in zip(needed, found, strict=True)
        }
        out[k] = (total, {q: interpolate(values, total, q) for q in qs})
    return out
