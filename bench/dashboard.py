"""Server time of a dashboard refresh in-process: a diagnosis beside `bench.refresh_http`.

Calls the same functions the Dash callbacks run when a filter changes (cards, time series,
breakdowns, sessions table) inside a request context of the app.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable

from callbacks.charts import update_breakdowns, update_time_series
from callbacks.kpis import update_kpis
from callbacks.sessions import update_table
from metrics.filters import Filters


def _ms(fn: Callable[[], object]) -> float:
    began = time.perf_counter()
    fn()
    return (time.perf_counter() - began) * 1000


def refresh(filters: Filters) -> dict[str, float]:
    """Milliseconds of each callback a period change triggers."""
    stored = filters.to_store()
    return {
        "cards": _ms(lambda: update_kpis(stored)),
        "time series": _ms(lambda: update_time_series(stored)),
        "breakdowns": _ms(lambda: update_breakdowns(stored)),
        "sessions table": _ms(lambda: update_table(stored)),
    }


def median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    """The run whose total is the median: one noisy run (a checkpoint, a neighbour) does not decide."""
    return sorted(runs, key=lambda run: sum(run.values()))[len(runs) // 2]


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50 and p95 (nearest rank) of `samples`, in the samples' unit."""
    ordered = sorted(samples)
    return {"p50_ms": statistics.median(ordered), "p95_ms": ordered[math.ceil(0.95 * len(ordered)) - 1]}
