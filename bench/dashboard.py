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
from callbacks.sessions import table_for
from callbacks.state import Filters


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
        "sessions table": _ms(lambda: table_for(stored, None)),
    }


def periods(today: date) -> dict[str, Filters]:
    """The periods the benchmark refreshes, the custom one ending `today`."""
    custom = Filters(None, (today - timedelta(days=89)).isoformat(), today.isoformat(), "client")
    return {"24h": Filters("24h"), "7d": Filters("7d"), "30d": Filters("30d"), "90d": Filters("90d"),
            "90-day range, clients": custom}  # fmt: skip


def measure(app, live_calls: int = 200) -> dict:
    """{"refresh": {period: {"cold": {...}, "warm": {...}}}, "live": {"p50_ms", "p95_ms"}}."""
    ctx = app.server.extensions["chat_analytics"]
    out: dict = {"refresh": {}}
    with app.server.test_request_context():
        for label, filters in periods(datetime.now(ctx.config.tz).date()).items():
            ctx.cache.clear()
            cold = refresh(filters)
            warm = refresh(filters)
            out["refresh"][label] = {"cold": cold, "warm": warm}
        out["live"] = percentiles([_ms(refresh_live) for _ in range(live_calls)])
    return out


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50 and p95 (nearest rank) of `samples`, in the samples' unit."""
    ordered = sorted(samples)
    return {"p50_ms": statistics.median(ordered), "p95_ms": ordered[math.ceil(0.95 * len(ordered)) - 1]}
