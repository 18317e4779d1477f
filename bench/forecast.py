"""`python -m bench.forecast`: how far off the activity forecast is on seeded data, beside the
seasonal-naive forecast (each day as the same day one week before).

A scratch SQLite database gets `--sessions` seeded sessions (data.seed.generate) over `--days`
days ending at a UTC midnight, so every day is whole. For each of the last `--weeks` weeks the
forecast (metrics.forecast.outlook) is fitted on every day before that week and predicts its 7
days, as the dashboard and the weekly report do; the seasonal-naive forecast predicts each of those
days by the same weekday of the week before. MAPE: the mean of |actual - forecast| / actual over
the days evaluated (days with no activity are skipped), for sessions and for messages.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

NOW = datetime(2026, 11, 23, tzinfo=UTC)  # a Monday midnight: the seeded days are whole UTC days


def mape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Mean absolute percentage error (%) over the days with a non-zero actual value."""
    keep = actual > 0
    return float(np.mean(np.abs(actual[keep] - predicted[keep]) / actual[keep]) * 100)


def daily_counts(url: str, days: int) -> dict[str, np.ndarray]:
    """Sessions and messages per UTC day over the `days` days before NOW, oldest first."""
    import metrics
    from data.db import create_engine
    from data.periods import Period

    engine = create_engine(url)
    with engine.connect() as conn:
        frame = metrics.activity_over_time(conn, Period(NOW - timedelta(days=days), NOW, ZoneInfo("UTC")))
    engine.dispose()
    return {name: frame[name].to_numpy(dtype=float) for name in ("sessions", "messages")}


def evaluate(series: np.ndarray, weeks: int) -> tuple[float, float, float]:
    """(forecast MAPE, seasonal-naive MAPE, seconds per forecast) over the last `weeks` weeks."""
    import statsmodels.tsa.exponential_smoothing.ets  # noqa: F401 - imported before the clock starts

    from metrics.forecast import outlook

    actual, ours, naive, spent = [], [], [], 0.0
    for week in range(weeks, 0, -1):
        cut = len(series) - 7 * week
        history = series[:cut]
        began = time.perf_counter()
        result = outlook(history, 7)
        spent += time.perf_counter() - began
        if result is None:
            raise SystemExit("not enough history: raise --days")
        actual += list(series[cut : cut + 7])
        ours += result.expected
        naive += list(history[-7:])
    a = np.array(actual)
    return mape(a, np.array(ours)), mape(a, np.array(naive)), spent / weeks


def main(argv: list[str] | None = None) -> int:
    """Seed, evaluate and print one line per series; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m bench.forecast", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    from data.db import create_engine, upgrade_schema
    from data.seed import generate

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'forecast.db'}"
        engine = create_engine(url)
        upgrade_schema(engine)
        generate(engine, sessions=args.sessions, days=args.days, active=0, seed=args.seed, now=NOW)
        engine.dispose()
        counts = daily_counts(url, args.days)
    print(
        f"{args.sessions:,} seeded sessions over {args.days} days (seed {args.seed}); "
        f"the last {args.weeks} weeks, each forecast 7 days ahead from the days before it"
    )
    print(f"{'series':<10}{'forecast MAPE':>15}{'seasonal naive':>16}{'fit (ms)':>10}")
    for name, series in counts.items():
        ours, naive, seconds = evaluate(series[1:], args.weeks)  # the first day may be partly seeded
        print(f"{name:<10}{ours:>14.1f}%{naive:>15.1f}%{1000 * seconds:>10.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
