"""Server time of a dashboard refresh per period, cold and warm, and of the live-count callback.

Calls the same functions the Dash callbacks run when a filter changes (cards, time series,
breakdowns, sessions table) inside a request context of the app. Used by `python -m bench.run`.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta

from callbacks.charts import update_breakdowns, update_time_series
from callbacks.kpis import update_kpis
from callbacks.live import refresh_live
from callbacks.sessions import update_table
from metrics.filters import Filters
from web.context import services_of


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


def periods(today: date) -> dict[str, Filters]:
    """The periods the benchmark refreshes, the custom one ending `today`."""
    custom = Filters(None, (today - timedelta(days=89)).isoformat(), today.isoformat(), "client")
    return {"24h": Filters("24h"), "7d": Filters("7d"), "30d": Filters("30d"), "90d": Filters("90d"),
            "90-day range, clients": custom}  # fmt: skip


def _median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    """The run whose total is the median: one noisy run (a checkpoint, a neighbour) does not decide."""
    return sorted(runs, key=lambda run: sum(run.values()))[len(runs) // 2]


def measure(app, live_calls: int = 200, repeats: int = 3) -> dict:
    """{"refresh": {period: {"cold": {...}, "warm": {...}}}, "live": {"p50_ms", "p95_ms"}}.

    Cold is a refresh with the app's figure cache empty, warm the same refresh again; each is the
    median of `repeats` runs.
    """
    ctx = services_of(app.server)
    out: dict = {"refresh": {}}
    with app.server.test_request_context():
        for label, filters in periods(datetime.now(ctx.config.tz).date()).items():
            cold, warm = [], []
            for _ in range(repeats):
                ctx.cache.clear()
                cold.append(refresh(filters))
                warm.append(refresh(filters))
            out["refresh"][label] = {"cold": _median_run(cold), "warm": _median_run(warm)}
        out["live"] = percentiles([_ms(refresh_live) for _ in range(live_calls)])
    return out


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50 and p95 (nearest rank) of `samples`, in the samples' unit."""
    ordered = sorted(samples)
    return {"p50_ms": statistics.median(ordered), "p95_ms": ordered[math.ceil(0.95 * len(ordered)) - 1]}
