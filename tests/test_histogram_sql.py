"""Percentiles of many histograms found in the database equal numpy's over the values they count."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import Integer, column, select, values

from data import histogram
from metrics.histogram_sql import grouped_percentiles

# key -> {bucket: count}: one value; two values in two buckets; the 95th percentile's two order
# statistics in different buckets; a bucket of zero (left out); the zero bucket; many buckets.
GROUPS = {
    1: {40: 1},
    2: {10: 1, 90: 1},
    3: {5: 18, 6: 1, 7: 1},
    4: {20: 3, 21: 0, 22: 2},
    5: {histogram.ZERO_BUCKET: 4, 30: 16},
    6: {b: (b * 7) % 13 + 1 for b in range(0, 120)},
    7: {50: 0},
}
# Rows of the same key and bucket add up (the rollups keep one a user type): key 8 is key 3 split.
SPLIT = [(8, 5, 10), (8, 5, 8), (8, 6, 1), (8, 7, 0), (8, 7, 1)]
GROUPS[8] = {5: 18, 6: 1, 7: 1}


def _statement():
    rows = [(k, b, n) for k, buckets in GROUPS.items() if k != 8 for b, n in buckets.items()] + SPLIT
    table = (
        values(column("k", Integer), column("b", Integer), column("n", Integer), name="h").data(rows).cte("h")
    )
    return select(table.c.k, table.c.b, table.c.n)


@pytest.mark.parametrize("qs", [(95,), (50, 95), (0, 100)])
def test_each_group_s_percentiles_are_numpy_s_over_its_bucket_values(engine, qs):
    with engine.connect() as conn:
        found = grouped_percentiles(conn, _statement(), qs)
    assert set(found) == {k for k, buckets in GROUPS.items() if sum(buckets.values())}
    for key, (n, figures) in found.items():
        values_counted = [
            histogram.representative(b) for b, c in sorted(GROUPS[key].items()) for _ in range(c)
        ]
        assert n == len(values_counted)
        for q in qs:
            assert figures[q] == pytest.approx(float(np.percentile(values_counted, q)), rel=1e-12), (key, q)
