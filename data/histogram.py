"""Response-time histograms with logarithmic buckets, and the percentiles they give.

Bucket b holds the values in [R**b, R**(b+1)) (R = 1.04); zero has a bucket of its own. A
percentile estimated from the histogram (metrics.percentiles) replaces each order statistic by
its bucket's geometric midpoint R**(b+1/2), which is within a factor sqrt(R) of any value in the
bucket. The interpolation is a weighted mean of the
two, so the estimate is within that same factor of the exact percentile: at most
sqrt(1.04) - 1 = 1.98% above it and 1.94% below it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

RATIO = 1.04
ZERO_BUCKET = -(2**31)  # values of exactly 0 ms
MAX_RELATIVE_ERROR = math.sqrt(RATIO) - 1
LOG_RATIO = math.log(RATIO)


def bucket_of(ms: float) -> int:
    """The histogram bucket of a non-negative processing time."""
    if ms <= 0:
        return ZERO_BUCKET
    return math.floor(math.log(ms) / LOG_RATIO)


def representative(bucket: int) -> float:
    """The value standing for every member of `bucket` (its geometric midpoint)."""
    if bucket == ZERO_BUCKET:
        return 0.0
    return math.exp((bucket + 0.5) * LOG_RATIO)


def add_values(histogram: dict[int, int], values: Iterable[float]) -> dict[int, int]:
    """Count `values` into `histogram` (in place) and return it."""
    for ms in values:
        b = bucket_of(ms)
        histogram[b] = histogram.get(b, 0) + 1
    return histogram
