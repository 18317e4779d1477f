"""Percentiles of many histograms at once, with only the buckets they need leaving PostgreSQL.

A chart's anomaly markers judge 1,176 hours, each a histogram of ~100 buckets: on PostgreSQL,
decoding those ~110,000 rows cost ~290 ms of Python (100,000 sessions), more than the rest of the
chart. There SQL numbers each group's buckets cumulatively (window sums) and returns only the
buckets holding the order statistics a percentile needs (~2 a group, 16 ms of Python);
metrics.percentiles interpolates them exactly as from_histogram does. SQLite reads rows in-process
at a fraction of that cost and its window sums cost more than they save, so there every bucket is
read and from_histogram applied.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Float, Select, and_, cast, func, literal, or_, select

from metrics.percentiles import from_histogram, from_order_buckets


def grouped_percentiles(conn: Connection, counts: Select, qs: Sequence[int]) -> dict[Any, tuple[int, dict]]:
    """{key: (values counted, {q: percentile})} for `counts`, a statement of (key, histogram bucket,
    count) rows with one row per key and bucket; the same figures as from_histogram of each key's
    histogram. Keys with no values counted are left out."""
    if conn.dialect.name == "sqlite":
        histograms: dict[Any, dict[int, int]] = defaultdict(dict)
        for group, b, n in conn.execute(counts):
            if n:
                histograms[group][int(b)] = int(n)
        return {group: (sum(h.values()), from_histogram(h, qs)) for group, h in histograms.items()}
    c = counts.subquery("counts")
    key, bucket, n = list(c.c)
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
