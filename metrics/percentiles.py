"""Percentiles as numpy's default (linear interpolation between two order statistics): one
interpolation, fed exact order statistics from SQL or bucket representatives from a histogram."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from data import histogram


def rank(n: int, q: float) -> tuple[int, int, float]:
    """The two order statistics (0-based ranks) percentile `q` of `n` values lies between, and
    how far between them it lies."""
    k = (n - 1) * q / 100
    lo = math.floor(k)
    return lo, min(lo + 1, n - 1), k - lo


def ranks_needed(n: int, qs: Iterable[float]) -> list[int]:
    """Every order statistic the percentiles `qs` of `n` values need, ascending."""
    return sorted({r for q in qs for r in rank(n, q)[:2]})


def interpolate(values: Mapping[int, float], n: int, q: float) -> float:
    """Percentile `q` of `n` values from the order statistics around its rank ({rank: value})."""
    lo, hi, frac = rank(n, q)
    return values[lo] + (values[hi] - values[lo]) * frac


def from_histogram(counts: Mapping[int, int], qs: Iterable[int]) -> dict[int, float | None]:
    """Estimated percentiles of the values counted in a data.histogram histogram ({bucket: n}):
    each order statistic is its bucket's representative, so within histogram.MAX_RELATIVE_ERROR."""
    qs = list(qs)
    n = sum(counts.values())
    if n == 0:
        return {q: None for q in qs}
    pending = ranks_needed(n, qs)
    values: dict[int, float] = {}
    seen = 0
    # One walk through the buckets finds the bucket of every order statistic needed.
    for b, c in sorted((b, c) for b, c in counts.items() if c > 0):
        seen += c
        while pending and pending[0] < seen:
            values[pending.pop(0)] = histogram.representative(b)
        if not pending:
            break
    return {q: interpolate(values, n, q) for q in qs}


def from_order_buckets(n: int, spans: Sequence[tuple[int, int, int]], qs: Iterable[int]) -> dict[int, float]:
    """Percentiles of `n` histogram-counted values from the buckets holding the order statistics
    they need, given as (bucket, first rank, rank after its last): the same figures as from_histogram
    of the whole histogram."""
    values = {
        r: histogram.representative(b)
        for r in ranks_needed(n, qs)
        for b, first, upto in spans
        if first <= r < upto
    }
    return {q: interpolate(values, n, q) for q in qs}
