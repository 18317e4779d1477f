"""Server time of one dashboard refresh (cards, time series, breakdowns, sessions table) for the
segments the rollups cannot answer, beside the same period unsegmented, cold (figure cache empty).

`python -m bench.segments --database-url URL [--repeats N] [--periods 7d,90d]` prints a Markdown
table, a row as each segment is measured; the database must be seeded already (`python -m
data.seed --sessions 100000`).
"""

from __future__ import annotations

import argparse
import secrets
import sys
from collections.abc import Iterator
from dataclasses import replace

from bench.dashboard import median_run, refresh
from metrics.filters import Filters
from web.context import services_of

SEGMENTS = {
    "none (rollups)": {},
    "resolved=false": {"resolved": False},
    "duration=300-900": {"duration": "300-900"},
    "messages=11-": {"messages": "11-"},
    "cached=true": {"cached": True},
    "topic=billing&topic=refunds": {"topics": ("billing", "refunds")},
    "duration=60-300&messages=3-5&cached=false": {"duration": "60-300", "messages": "3-5", "cached": False},
}
PERIODS = ("7d", "90d")


def measure(app, repeats: int, periods: tuple[str, ...] = PERIODS) -> Iterator[tuple[str, dict]]:
    """(segment, {period: {callback: ms}}) as each segment is measured: the median of `repeats`
    cold refreshes."""
    ctx = services_of(app.server)
    with app.server.test_request_context():
        for label, changes in SEGMENTS.items():
            by_period = {}
            for period in periods:
                runs = []
                for _ in range(repeats):
                    ctx.cache.clear()
                    runs.append(refresh(replace(Filters(period), **changes)))
                by_period[period] = median_run(runs)
            yield label, by_period


def header(periods: tuple[str, ...] = PERIODS) -> str:
    """The Markdown table's first two lines."""
    return (
        "| segment | "
        + " | ".join(f"{p} refresh (slowest part)" for p in periods)
        + " |\n|---|"
        + "---:|" * len(periods)
    )


def row(label: str, by_period: dict[str, dict[str, float]]) -> str:
    """One segment's line: each refresh's total, and its slowest callback."""
    cells = []
    for parts in by_period.values():
        slowest = max(parts, key=parts.get)
        cells.append(f"{sum(parts.values()):,.0f} ms ({slowest} {parts[slowest]:,.0f})")
    return f"| {label} | " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> int:
    """Measure and print; returns the exit code."""
    from app import create_app
    from config import Config

    parser = argparse.ArgumentParser(prog="python -m bench.segments", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--periods", default=",".join(PERIODS), help="presets to refresh (default 7d,90d)")
    args = parser.parse_args(argv)
    periods = tuple(p for p in args.periods.split(",") if p)
    app = create_app(
        Config(database_url=args.database_url, secret_key=secrets.token_urlsafe(32), testing=True)
    )
    print(header(periods), flush=True)
    for label, by_period in measure(app, args.repeats, periods):
        print(row(label, by_period), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
