"""`python -m bench.run`: every performance figure at scale in one run, over HTTP, beside the naive way.

Builds once (and caches) a database of `--sessions` seeded sessions, then serves it as users meet
it (`python app.py` as the README runs it, or gunicorn with `--workers N` as production does,
`--redis-url` sharing the figure cache between workers) and measures over loopback HTTP: the
dashboard refresh per period (the callbacks a period change posts; cold with the figure cache off,
warm with it on), the live card, the JSON API per period (p50/p95), the topic explorer, every
export in each `--formats` (rows/s, the server's memory growth), the weekly report as cron runs it
(7 and 90 days), ingestion (gunicorn `--ingest-workers`, `--ingest-clients` posting batches of 200,
into a scratch database so the cached one stays as built) and the naive pandas way. Prints a
markdown table with the targets and writes JSON under bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import make_url

from bench import api, chart, exports_formats, ingest, naive, refresh_http, topics
from bench.seeded import prepare
from bench.serving import served, signed_in_opener
from data.db import create_engine
from metrics.filters import Filters

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TARGETS = {"cold_ms": 300, "warm_ms": 50, "live_p95_ms": 20, "api_p95_ms": 20, "export_rows_per_s": 200_000,
           "export_growth_mb": 50, "report_s": 2, "ingest_sqlite": 2_000, "ingest_postgresql": 5_000,
           "naive_ratio_90d": 20}  # fmt: skip


def _report(url: str, days: int) -> float:
    from reports.weekly import main as weekly

    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        code = weekly(
            ["--days", str(days), "--format", "html", "--output", f"{folder}/r.html", "--database-url", url]
        )
        seconds = time.perf_counter() - began
    if code != 0:
        raise SystemExit(f"error: the weekly report failed ({code})")
    return seconds


def run(args: argparse.Namespace) -> dict:
    """All measurements as one dict: over HTTP against the server as `--workers` serves it."""
    from zoneinfo import ZoneInfo

    url = prepare(args.sessions, args.database_url)
    today = datetime.now(ZoneInfo(os.environ.get("DISPLAY_TIMEZONE") or "UTC")).date()
    result: dict = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "backend": make_url(url).get_backend_name(),
        "sessions": args.sessions,
        "server": server_label(args.workers),
        "redis": bool(args.redis_url),
        "display_timezone": os.environ.get("DISPLAY_TIMEZONE") or "UTC",
        "load_average_before": os.getloadavg()[0],
    }
    with served(url, args.port, args.workers, {"CACHE_SECONDS": "0"}) as (base, pid, username, password):
        print(f"cold: {result['server']}, figure cache off ...", file=sys.stderr)
        dash = refresh_http.Dashboard(signed_in_opener(base, username, password), base)
        cold = refresh_http.measure(dash, today, warm=False, repeats=args.repeats)
        result["api"] = api.measure(base, username, password, args.calls)
        result["api"]["p95_ms"] = max(v["p95_ms"] for k, v in result["api"].items() if k in api.PERIODS)
        result["topics"] = topics.over_http(base, username, password, max(3, args.calls // 20))
        if args.formats:
            print("exports ...", file=sys.stderr)
            result["exports"] = exports_formats.measure(base, pid, username, password, exports_formats.KINDS,
                                                        args.formats.split(","))  # fmt: skip
    shared = {"REDIS_URL": args.redis_url} if args.redis_url else {}
    with served(url, args.port, args.workers, {"CACHE_SECONDS": "60", **shared}) as (
        base,
        _pid,
        username,
        password,
    ):
        print("warm: figure cache on ...", file=sys.stderr)
        dash = refresh_http.Dashboard(signed_in_opener(base, username, password), base)
        warm = refresh_http.measure(dash, today, warm=True, repeats=args.repeats)
        live = refresh_http.live(dash, args.calls)
    result["dashboard"] = {
        "refresh": {
            label: {
                "cold": cold[label]["callbacks"],
                "warm": warm[label]["callbacks"],
                "cold_together_ms": cold[label]["together_ms"],
                "warm_together_ms": warm[label]["together_ms"],
            }
            for label in cold
        },  # fmt: skip
        "live": live,
    }
    print("weekly report ...", file=sys.stderr)
    result["report_s"] = {"7d": _report(url, 7), "90d": _report(url, 90)}
    print("ingestion ...", file=sys.stderr)
    result["ingest"] = ingest.serve_and_measure(url, args.ingest_workers, args.ingest_clients,
                                                args.ingest_batches, 200)  # fmt: skip
    if not args.skip_naive:
        print("the naive way ...", file=sys.stderr)
        engine = create_engine(url)
        tz = ZoneInfo(result["display_timezone"])
        chosen = {label: Filters.from_store(store) for label, store in refresh_http.periods(today).items()}
        result["naive"] = naive.measure(
            engine, {label: (f.period(tz), f.user_type) for label, f in chosen.items()}
        )
        engine.dispose()
    result["load_average_after"] = os.getloadavg()[0]
    return result


def server_label(workers: int) -> str:
    """How the measured server ran, in words."""
    return "python app.py" if workers == 0 else f"gunicorn, {workers} workers"


def _mark(value: float, target: float, higher_is_better: bool = False) -> str:
    ok = value >= target if higher_is_better else value <= target
    return "✅" if ok else "❌"


def render(r: dict) -> str:
    """The run as a markdown table, each figure beside its target."""
    lines = [f"### {r['backend']}, {r['sessions']:,} sessions, {r['server']}{', Redis' if r.get('redis') else ''} "
             f"({r['when'][:10]}, load average {r['load_average_before']:.1f} → {r['load_average_after']:.1f})", "",
             "| measurement | figure | target | |", "|---|---:|---:|---|"]  # fmt: skip
    for label, times in r["dashboard"]["refresh"].items():
        cold, warm = sum(times["cold"].values()), sum(times["warm"].values())
        lines.append(f"| refresh {label}, cold | {cold:,.0f} ms ({times['cold_together_ms']:,.0f} ms sent at once) "
                     f"| ≤ 300 ms | {_mark(cold, 300)} |")  # fmt: skip
        lines.append(f"| refresh {label}, warm | {warm:,.1f} ms ({times['warm_together_ms']:,.1f} ms at once) "
                     f"| ≤ 50 ms | {_mark(warm, 50)} |")  # fmt: skip
        if "naive" in r:
            ratio = r["naive"]["refresh_ms"][label] / cold
            target = "≥ 20×" if label == "90d" else ""
            mark = _mark(ratio, 20, higher_is_better=True) if label == "90d" else ""
            lines.append(f"| naive pandas {label} (ratio naive/ours) | {r['naive']['refresh_ms'][label]:,.0f} ms "
                         f"({ratio:,.1f}×) | {target} | {mark} |")  # fmt: skip
    live = r["dashboard"]["live"]
    lines.append(f"| live count p50 / p95 | {live['p50_ms']:.1f} / {live['p95_ms']:.1f} ms | p95 ≤ 20 ms "
                 f"| {_mark(live['p95_ms'], 20)} |")  # fmt: skip
    for period in api.PERIODS:
        figures = r["api"][period]
        lines.append(f"| API {period} p50 / p95 (minute {figures['minute']}) | {figures['p50_ms']:.1f} / "
                     f"{figures['p95_ms']:.1f} ms | p95 ≤ 20 ms | {_mark(figures['p95_ms'], 20)} |")  # fmt: skip
    for label, figures in r["topics"].items():
        lines.append(f"| topic explorer {label} p50 / p95 | {figures['p50_ms']:.0f} / {figures['p95_ms']:.0f} ms "
                     f"| ≤ 300 ms | {_mark(figures['p95_ms'], 300)} |")  # fmt: skip
    for kind, formats in r.get("exports", {}).items():
        for fmt, e in formats.items():
            growth = e["memory_growth_mb"] or 0.0
            ok = e["rows_per_s"] >= 200_000 and growth <= 50
            lines.append(f"| export {kind} {fmt}: {e['rows']:,} rows | {e['rows_per_s']:,.0f} rows/s, "
                         f"+{growth:.1f} MB | ≥ 200,000 rows/s, ≤ 50 MB | {'✅' if ok else '❌'} |")  # fmt: skip
    for days, seconds in r["report_s"].items():
        lines.append(f"| weekly report {days} | {seconds:.2f} s | ≤ 2 s | {_mark(seconds, 2)} |")
    target = TARGETS[f"ingest_{r['backend']}"]
    i = r["ingest"]
    lines.append(f"| ingestion, gunicorn {i['workers']} workers, {i['clients']} clients × batches of 200 "
                 f"| {i['events_per_s']:,.0f} events/s (batch p50 {i['batch_p50_ms']:.0f} / p95 {i['batch_p95_ms']:.0f} ms) "
                 f"| ≥ {target:,} | {_mark(i['events_per_s'], target, higher_is_better=True)} |")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: measure, print the table, save the JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1_000_000, help="seeded sessions (default 1,000,000)")
    parser.add_argument("--database-url", help="an empty or already-built database (default: cached SQLite)")
    parser.add_argument("--workers", type=int, default=0,
                        help="0: `python app.py` as the README runs it (default); N: gunicorn with N workers")  # fmt: skip
    parser.add_argument(
        "--redis-url", help="REDIS_URL for the warm server (the figure cache shared by workers)"
    )
    parser.add_argument("--port", type=int, default=8770)
    parser.add_argument(
        "--calls", type=int, default=100, help="requests for the live count and each API period"
    )
    parser.add_argument("--repeats", type=int, default=3, help="refreshes per period; the median counts")
    parser.add_argument("--formats", default="csv,parquet", help="export formats to measure ('' for none)")
    parser.add_argument(
        "--ingest-workers", type=int, default=4, help="gunicorn workers for ingestion (default 4)"
    )
    parser.add_argument("--ingest-clients", type=int, default=8, help="clients posting at once (default 8)")
    parser.add_argument("--ingest-batches", type=int, default=25, help="batches of 200 per ingestion client")
    parser.add_argument("--skip-naive", action="store_true", help="leave out the naive pandas comparison")
    parser.add_argument("--output", type=Path, help="JSON file (default bench/results/run-BACKEND-N.json)")
    args = parser.parse_args(argv)
    result = run(args)
    print(render(result))
    suffix = "" if args.workers == 0 else f"-gunicorn{args.workers}{'-redis' if args.redis_url else ''}"
    output = args.output or RESULTS / f"run-{result['backend']}-{args.sessions}{suffix}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2, default=float) + "\n")
    print(f"\nsaved {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}", file=sys.stderr)
    if output.parent == RESULTS:
        chart.main([])  # the scaling chart in docs/ follows the saved runs
    return 0


if __name__ == "__main__":
    sys.exit(main())
