"""`python -m bench.api`: the JSON API's latency over HTTP for every period, as a client meets it.

Serves `python app.py` with CACHE_SECONDS=0 (every call computes its figures) on a seeded database
(built once and cached, as `python -m bench.run` does), signs in through the login form, then GETs
/admin/chat-analytics/api/?period=P for 24h, 7d, 30d and 90d in turn, `--calls` times each after a
few unmeasured ones, and gives p50/p95/max per period with the minute of the hour they ran at (a
rolling period's partial first and last hours come from the base tables). `/healthz` is measured
the same way: the floor of any request to this server.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime

from bench.cold_http import add_arguments, cold_server
from bench.dashboard import percentiles
from bench.saved import save
from bench.serving import signed_in_opener

PERIODS = ("24h", "7d", "30d", "90d")
WARM_UP = 5


def summary(samples: list[float]) -> dict[str, float]:
    """p50, p95 (nearest rank) and max of `samples` in ms."""
    return {**percentiles(samples), "max_ms": max(samples)}


def timed(opener, url: str, calls: int) -> list[float]:
    """Milliseconds of `calls` GETs of `url` (each read to its end), after WARM_UP unmeasured ones."""
    samples = []
    for n in range(WARM_UP + calls):
        began = time.perf_counter()
        with opener.open(url) as response:
            response.read()
            if response.status != 200:
                raise SystemExit(f"error: {url} answered {response.status}")
        if n >= WARM_UP:
            samples.append((time.perf_counter() - began) * 1000)
    return samples


def measure(base: str, username: str, password: str, calls: int) -> dict:
    """{period: {"p50_ms", "p95_ms", "max_ms", "minute"}} and the same for /healthz."""
    opener = signed_in_opener(base, username, password)
    out = {}
    for period in PERIODS:
        minute = datetime.now(UTC).minute
        out[period] = {**summary(timed(opener, f"{base}/admin/chat-analytics/api/?period={period}", calls)),
                       "minute": minute}  # fmt: skip
    out["healthz"] = summary(timed(opener, f"{base}/healthz", calls))
    return out


def render(result: dict) -> str:
    lines = [f"{result['backend']}, {result['sessions']:,} sessions, figure cache off, over HTTP (ms):", "",
             "| request | p50 | p95 | max | minute of the hour |", "|---|---:|---:|---:|---:|"]  # fmt: skip
    for name, figures in result["http"].items():
        label = "/healthz" if name == "healthz" else f"api/?period={name}"
        lines.append(
            f"| {label} | {figures['p50_ms']:.1f} | {figures['p95_ms']:.1f} | {figures['max_ms']:.1f} "
            f"| {figures.get('minute', '')} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: build or reuse the database, measure, print the table, save the JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.api", description=__doc__.splitlines()[0])
    add_arguments(parser, port=8768, output="api-BACKEND-N.json")
    parser.add_argument("--calls", type=int, default=100, help="measured requests per period (default 100)")
    args = parser.parse_args(argv)
    with cold_server(args) as (result, _url, base, username, password):
        result["http"] = measure(base, username, password, args.calls)
    print(render(result))
    save(result, args.output, f"api-{result['backend']}-{args.sessions}.json")
    print(json.dumps({p: round(f["p95_ms"], 1) for p, f in result["http"].items()}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
