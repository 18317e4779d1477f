"""`python -m bench.dashboard --database-url URL`: server time of a dashboard refresh per period.

Calls the same functions the Dash callbacks run when a filter changes (cards, time series,
breakdowns, sessions table), cold (empty cache) and warm, and the live-count callback.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

from callbacks.charts import update_breakdowns, update_time_series
from callbacks.kpis import update_kpis
from callbacks.live import refresh_live
from callbacks.sessions import table_for
from callbacks.state import Filters

PERIODS = {
    "24h": Filters("24h"),
    "7d": Filters("7d"),
    "30d": Filters("30d"),
    "90d": Filters("90d"),
    "90-day range, clients": None,  # filled in main: depends on today
}


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


def main(argv: list[str] | None = None) -> int:
    from datetime import datetime, timedelta

    from app import create_app
    from config import Config

    parser = argparse.ArgumentParser(prog="python -m bench.dashboard", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--live-calls", type=int, default=200)
    args = parser.parse_args(argv)
    app = create_app(Config(database_url=args.database_url, testing=True))
    cache = app.server.extensions["chat_analytics"].cache
    today = datetime.now(app.server.extensions["chat_analytics"].config.tz).date()
    PERIODS["90-day range, clients"] = Filters(
        None, (today - timedelta(days=89)).isoformat(), today.isoformat(), "client"
    )
    print("| period | cold total ms | cards | time series | breakdowns | table | warm total ms |")
    print("|---|---|---|---|---|---|---|")
    with app.server.test_request_context():
        for label, filters in PERIODS.items():
            cache.clear()
            cold = refresh(filters)
            warm = refresh(filters)
            print(
                f"| {label} | {sum(cold.values()):.0f} | "
                + " | ".join(f"{v:.0f}" for v in cold.values())
                + f" | {sum(warm.values()):.1f} |"
            )
        live = sorted(_ms(refresh_live) for _ in range(args.live_calls))
        p95 = live[int(0.95 * (len(live) - 1))]
        print(
            f"\nlive count callback: p50 {statistics.median(live):.2f} ms, p95 {p95:.2f} ms over {len(live)} calls"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
