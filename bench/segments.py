"""Server time of one dashboard refresh (cards, time series, breakdowns, sessions table) for the
segments the rollups cannot answer, beside the same period unsegmented, cold (figure cache empty).

`python -m bench.segments --database-url URL [--repeats N]` prints a Markdown table; the database
must be seeded already (`python -m data.seed --sessions 100000`).
"""

from __future__ import annotations

import argparse
import secrets
import sys
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


def measure(app, repeats: int) -> dict[str, dict[str, dict[str, float]]]:
    """{segment: {period: {callback: ms}}}: the median of `repeats` cold refreshes."""
    ctx = services_of(app.server)
    out: dict = {}
    with app.server.test_request_context():
        for label, changes in SEGMENTS.items():
            out[label] = {}
            for period in PERIODS:
                runs = []
                for _ in range(repeats):
                    ctx.cache.clear()
                    runs.append(refresh(replace(Filters(period), **changes)))
                out[label][period] = median_run(runs)
    return out


def render(results: dict) -> str:
    """A Markdown table: each refresh's total, and its slowest callback."""
    lines = ["| segment | " + " | ".join(f"{p} refresh (slowest part)" for p in PERIODS) + " |"]
    lines.append("|---|" + "---:|" * len(PERIODS))
    for label, by_period in results.items():
        cells = []
        for period in PERIODS:
            parts = by_period[period]
            slowest = max(parts, key=parts.get)
            cells.append(f"{sum(parts.values()):,.0f} ms ({slowest} {parts[slowest]:,.0f})")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measure and print; returns the exit code."""
    from app import create_app
    from config import Config

    parser = argparse.ArgumentParser(prog="python -m bench.segments", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    app = create_app(
        Config(database_url=args.database_url, secret_key=secrets.token_urlsafe(32), testing=True)
    )
    print(render(measure(app, args.repeats)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
