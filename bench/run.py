"""`python -m bench.run`: every performance figure at scale in one run, beside the naive way.

Builds once (and caches) a database of `--sessions` seeded sessions, then measures the dashboard
refresh per period (cold and warm), the live count and the JSON API (p50/p95), every CSV export
(rows/s, peak memory growth), the weekly report (7 and 90 days), ingestion (events/s, 4 clients,
batches of 200, into a fresh database so the cached one stays as built) and the naive pandas way.
Prints a markdown table with the targets and writes JSON under bench/results/.
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

from sqlalchemy import func, make_url, select

from bench import chart, dashboard, export, ingest, naive
from bench.dashboard import percentiles
from bench.scratch import scratch_database
from data.db import create_engine, upgrade_schema
from data.schema import chat_sessions
from web.context import services_of

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / "cache"
RESULTS = ROOT / "bench" / "results"
TARGETS = {"cold_ms": 300, "warm_ms": 50, "live_p95_ms": 20, "api_p95_ms": 20, "export_rows_per_s": 200_000,
           "export_growth_mb": 50, "report_s": 2, "ingest_sqlite": 2_000, "ingest_postgresql": 5_000,
           "naive_ratio_90d": 20}  # fmt: skip


def prepare(sessions: int, database_url: str | None) -> str:
    """The URL of a database holding exactly `sessions` seeded sessions, seeding it when empty."""
    from data.seed import generate

    url = database_url or f"sqlite:///{CACHE / f'bench-{sessions}.db'}"
    engine = create_engine(url)
    upgrade_schema(engine)
    with engine.connect() as conn:
        present = conn.execute(select(func.count()).select_from(chat_sessions)).scalar()
    if present == 0:
        print(f"building the benchmark database: {sessions:,} sessions (once; cached)", file=sys.stderr)
        generate(engine, sessions=sessions, days=90, active=min(50, sessions), seed=42, progress=True)
    elif present != sessions:
        raise SystemExit(f"error: {url} holds {present:,} sessions, not {sessions:,}; give an empty database")
    engine.dispose()
    return url


def _api(client, calls: int) -> dict:
    samples = []
    for _ in range(calls):
        began = time.perf_counter()
        response = client.get("/admin/chat-analytics/api/")
        samples.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.data
    return percentiles(samples)


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
    """All measurements as one dict."""
    from app import create_app
    from config import Config
    from exports.queries import EXPORTS

    url = prepare(args.sessions, args.database_url)
    app = create_app(Config(database_url=url, testing=True, secret_key=os.urandom(16).hex()))
    ctx = services_of(app.server)
    result: dict = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "backend": make_url(url).get_backend_name(),
        "sessions": args.sessions,
    }
    print("dashboard ...", file=sys.stderr)
    result["dashboard"] = dashboard.measure(app, args.calls)
    client = export.signed_in_client(app)
    result["api"] = _api(client, args.calls)
    print("exports ...", file=sys.stderr)
    result["exports"] = export.measure(client, [k for k in EXPORTS if k != "audit"])
    print("weekly report ...", file=sys.stderr)
    result["report_s"] = {"7d": _report(url, 7), "90d": _report(url, 90)}
    print("ingestion ...", file=sys.stderr)
    with scratch_database(url) as scratch:
        result["ingest"] = ingest.measure(scratch, clients=4, batches_per_client=args.ingest_batches)
    if not args.skip_naive:
        print("the naive way ...", file=sys.stderr)
        tz = ctx.config.tz
        today = datetime.now(tz).date()
        periods = {label: (f.period(tz), f.user_type) for label, f in dashboard.periods(today).items()}
        result["naive"] = naive.measure(ctx.engine, periods)
    ctx.engine.dispose()
    return result


def _mark(value: float, target: float, higher_is_better: bool = False) -> str:
    ok = value >= target if higher_is_better else value <= target
    return "✅" if ok else "❌"


def render(r: dict) -> str:
    """The run as a markdown table, each figure beside its target."""
    lines = [f"### {r['backend']}, {r['sessions']:,} sessions ({r['when'][:10]})", "",
             "| measurement | figure | target | |", "|---|---:|---:|---|"]  # fmt: skip
    for label, times in r["dashboard"]["refresh"].items():
        cold, warm = sum(times["cold"].values()), sum(times["warm"].values())
        lines.append(f"| refresh {label}, cold | {cold:,.0f} ms | ≤ 300 ms | {_mark(cold, 300)} |")
        lines.append(f"| refresh {label}, warm | {warm:,.1f} ms | ≤ 50 ms | {_mark(warm, 50)} |")
        if "naive" in r:
            ratio = r["naive"]["refresh_ms"][label] / cold
            target = "≥ 20×" if label == "90d" else ""
            mark = _mark(ratio, 20, higher_is_better=True) if label == "90d" else ""
            lines.append(f"| naive pandas {label} (ratio naive/ours) | {r['naive']['refresh_ms'][label]:,.0f} ms "
                         f"({ratio:,.1f}×) | {target} | {mark} |")  # fmt: skip
    live, api = r["dashboard"]["live"], r["api"]
    lines.append(f"| live count p50 / p95 | {live['p50_ms']:.1f} / {live['p95_ms']:.1f} ms | p95 ≤ 20 ms "
                 f"| {_mark(live['p95_ms'], 20)} |")  # fmt: skip
    lines.append(f"| API p50 / p95 | {api['p50_ms']:.1f} / {api['p95_ms']:.1f} ms | p95 ≤ 20 ms "
                 f"| {_mark(api['p95_ms'], 20)} |")  # fmt: skip
    for kind, e in r["exports"].items():
        ok = e["rows_per_s"] >= 200_000 and e["memory_growth_mb"] <= 50
        lines.append(f"| export {kind}: {e['rows']:,} rows | {e['rows_per_s']:,.0f} rows/s, "
                     f"+{e['memory_growth_mb']:.1f} MB | ≥ 200,000 rows/s, ≤ 50 MB | {'✅' if ok else '❌'} |")  # fmt: skip
    for days, seconds in r["report_s"].items():
        lines.append(f"| weekly report {days} | {seconds:.2f} s | ≤ 2 s | {_mark(seconds, 2)} |")
    target = TARGETS[f"ingest_{r['backend']}"]
    eps = r["ingest"]["events_per_s"]
    lines.append(f"| ingestion, 4 clients × batches of 200 | {eps:,.0f} events/s | ≥ {target:,} "
                 f"| {_mark(eps, target, higher_is_better=True)} |")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: measure, print the table, save the JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1_000_000, help="seeded sessions (default 1,000,000)")
    parser.add_argument("--database-url", help="an empty or already-built database (default: cached SQLite)")
    parser.add_argument("--calls", type=int, default=200, help="calls for the live count and API percentiles")
    parser.add_argument("--ingest-batches", type=int, default=25, help="batches of 200 per ingestion client")
    parser.add_argument("--skip-naive", action="store_true", help="leave out the naive pandas comparison")
    parser.add_argument("--output", type=Path, help="JSON file (default bench/results/run-BACKEND-N.json)")
    args = parser.parse_args(argv)
    result = run(args)
    print(render(result))
    output = args.output or RESULTS / f"run-{result['backend']}-{args.sessions}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2, default=float) + "\n")
    print(f"\nsaved {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}", file=sys.stderr)
    if output.parent == RESULTS:
        chart.main([])  # the scaling chart in docs/ follows the saved runs
    return 0


if __name__ == "__main__":
    sys.exit(main())
