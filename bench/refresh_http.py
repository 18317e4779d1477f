"""A dashboard refresh over HTTP: the callbacks a period change sends, posted as the browser posts them.

Cold figures come from a server started with CACHE_SECONDS=0 (every call computes), warm ones from
a server with its figure cache on (per process, or shared through REDIS_URL), after one unmeasured
refresh has filled it.
"""

from __future__ import annotations

import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from urllib.request import OpenerDirector, Request

from bench.dash_calls import call_body, filter_callbacks, payload
from bench.dashboard import median_run, percentiles
from metrics.filters import Filters

DASH = "/admin/chat-analytics/"


def periods(today: date) -> dict[str, dict]:
    """The filters (as the dashboard stores them) of each refresh measured, the custom one ending `today`."""
    custom = Filters(None, (today - timedelta(days=89)).isoformat(), today.isoformat(), "client")
    chosen = {"24h": Filters("24h"), "7d": Filters("7d"), "30d": Filters("30d"), "90d": Filters("90d"),
              "90-day range, clients": custom}  # fmt: skip
    return {label: f.to_store() for label, f in chosen.items()}


class Dashboard:
    """The dashboard's callbacks of one signed-in client."""

    def __init__(self, opener: OpenerDirector, base: str) -> None:
        self.opener, self.url = opener, base + DASH + "_dash-update-component"
        with opener.open(base + DASH + "_dash-dependencies") as response:
            dependencies = json.loads(response.read())
        self.on_filters = filter_callbacks(dependencies)
        self.live = next(
            d for d in dependencies if {"id": "live-tick", "property": "n_intervals"} in d["inputs"]
        )

    def post(self, body: dict) -> float:
        """Milliseconds of one callback request, read to its end; SystemExit unless it answers 200."""
        request = Request(self.url, json.dumps(body).encode(), {"Content-Type": "application/json"})
        began = time.perf_counter()
        with self.opener.open(request) as response:
            response.read()
            if response.status != 200:
                raise SystemExit(f"error: a dashboard callback answered {response.status}")
        return (time.perf_counter() - began) * 1000

    def refresh(self, store: dict) -> dict[str, float]:
        """{callback: ms} of each callback a change to `store` sends, one after another."""
        return {_name(cb): self.post(payload(cb, store)) for cb in self.on_filters}

    def together(self, store: dict) -> float:
        """Milliseconds until every callback of a change to `store` has answered, sent at once as the
        browser sends them."""
        began = time.perf_counter()
        with ThreadPoolExecutor(len(self.on_filters)) as pool:
            list(pool.map(lambda cb: self.post(payload(cb, store)), self.on_filters))
        return (time.perf_counter() - began) * 1000

    def live_count(self, store: dict) -> float:
        """Milliseconds of one tick of the live card."""
        values = {"live-tick.n_intervals": 1, "filters.data": store, "db-error.is_open": False}
        return self.post(call_body(self.live, values, ["live-tick.n_intervals"]))


def _name(callback: dict) -> str:
    return callback["output"].strip(".").split(".")[0]


def measure(dashboard: Dashboard, today: date, warm: bool, repeats: int = 3) -> dict[str, dict]:
    """{period: {"callbacks": {callback: ms}, "together_ms": ms}}, each the median of `repeats`
    runs; with `warm`, after one unmeasured refresh that fills the server's figure cache."""
    out = {}
    for label, store in periods(today).items():
        if warm:
            dashboard.refresh(store)
        runs = [dashboard.refresh(store) for _ in range(repeats)]
        together = [dashboard.together(store) for _ in range(repeats)]
        out[label] = {"callbacks": median_run(runs), "together_ms": statistics.median(together)}
    return out


def live(dashboard: Dashboard, calls: int) -> dict[str, float]:
    """p50/p95 of `calls` live-card ticks (default filters)."""
    return percentiles([dashboard.live_count(Filters().to_store()) for _ in range(calls)])
