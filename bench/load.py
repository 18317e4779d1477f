"""`python -m bench.load`: 50 staff and 10 chat back ends against gunicorn for 60 s, on loopback.

Seeds a fresh database (its own PostgreSQL schema, or a temporary SQLite file), starts gunicorn
with `--workers`, runs locust headless, then checks that the database holds exactly the events the
back ends were told were accepted. Prints p50/p95/p99 per request type and writes JSON under
bench/results/. Exit status 1 on any failed request or count mismatch.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import make_url, text

from bench.scratch import scratch_database, wait_healthy
from data.db import create_engine, upgrade_schema
from data.seed import generate
from data.users import create_user

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        out = {
            table: conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()  # noqa: S608 (fixed names)
            for table in ("chat_sessions", "chat_messages", "ingested_events")
        }
    engine.dispose()
    return out


def _percentiles(stats_csv: Path) -> list[dict]:
    rows = []
    with stats_csv.open() as handle:
        for row in csv.DictReader(handle):
            rows.append(
                {
                    "name": row["Name"] if row["Name"] != "Aggregated" else "all requests",
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "p50_ms": float(row["50%"] or 0),
                    "p95_ms": float(row["95%"] or 0),
                    "p99_ms": float(row["99%"] or 0),
                    "max_ms": round(float(row["Max Response Time"] or 0)),
                    "rps": round(float(row["Requests/s"] or 0), 1),
                }
            )
    return rows


def run(args: argparse.Namespace) -> dict:
    """Seed, serve, load, verify, on a scratch database removed afterwards; the figures as a dict."""
    with (
        scratch_database(args.database_url) as url,
        tempfile.TemporaryDirectory(prefix="load-run-") as folder,
    ):
        return _run(args, url, Path(folder))


def _run(args: argparse.Namespace, url: str, work: Path) -> dict:
    password, token = secrets.token_urlsafe(16), secrets.token_urlsafe(24)
    engine = create_engine(url)
    upgrade_schema(engine)
    print(f"seeding {args.sessions:,} sessions ...", flush=True)
    generate(engine, sessions=args.sessions, days=90, active=20, seed=7)
    with engine.begin() as conn:
        create_user(conn, "loadlead", password=password, is_staff=True)
    engine.dispose()
    before = _counts(url)

    env = dict(
        os.environ,
        DATABASE_URL=url,
        SECRET_KEY=secrets.token_urlsafe(32),
        INGEST_TOKENS=token,
        # 50 staff sign in from one loopback address within seconds: above the per-IP default.
        LOGIN_RATE_LIMIT="1000/minute",
        PYTHONPATH=str(ROOT),
    )
    base = f"http://127.0.0.1:{args.port}"
    with (work / "gunicorn.log").open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--bind", f"127.0.0.1:{args.port}",
             "--chdir", str(ROOT), "--access-logfile", "-", "app:server"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_healthy(base, server)
            print(f"gunicorn ({args.workers} workers) up; {args.staff} staff + {args.ingest} back ends "
                  f"for {args.duration}s", flush=True)  # fmt: skip
            load_env = dict(env, LOAD_USERNAME="loadlead", LOAD_PASSWORD=password, LOAD_TOKEN=token,
                            LOAD_COUNTS=str(work / "tally.json"), LOAD_STAFF=str(args.staff),
                            LOAD_INGEST=str(args.ingest))  # fmt: skip
            users = args.staff + args.ingest
            subprocess.run(
                [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
                 "-u", str(users), "-r", str(max(1, users // 5)), "-t", f"{args.duration}s", "--host", base,
                 "--csv", str(work / "load"), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10"],
                env=load_env, check=False,
            )  # fmt: skip
        finally:
            server.terminate()
            server.wait(timeout=30)
    tally = json.loads((work / "tally.json").read_text())
    after = _counts(url)
    added = {table: after[table] - before[table] for table in after}
    expected = {"chat_sessions": tally["sessions"], "chat_messages": tally["messages"],
                "ingested_events": tally["accepted"]}  # fmt: skip
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "backend": make_url(url).get_backend_name(),
        "workers": args.workers,
        "staff": args.staff,
        "ingest_clients": args.ingest,
        "duration_s": args.duration,
        "seeded_sessions": args.sessions,
        "requests": _percentiles(work / "load_stats.csv"),
        "sent": tally,
        "stored": added,
        "exact": added == expected and tally["accepted"] == tally["events"],
    }


def render(result: dict) -> str:
    """The result as a markdown table and a line on the data check."""
    lines = [
        f"{result['staff']} staff + {result['ingest_clients']} ingestion clients, {result['duration_s']} s, "
        f"gunicorn {result['workers']} workers, {result['backend']}, {result['seeded_sessions']:,} seeded sessions",
        "",
        "| requests | count | failures | p50 ms | p95 ms | p99 ms | max ms | req/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["requests"]:
        lines.append(
            f"| {r['name']} | {r['requests']:,} | {r['failures']} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} "
            f"| {r['p99_ms']:.0f} | {r['max_ms']} | {r['rps']} |"
        )
    sent, stored = result["sent"], result["stored"]
    lines += [
        "",
        f"Sent {sent['events']:,} events in {sent['batches']:,} batches; accepted {sent['accepted']:,}. "
        f"Stored: {stored['ingested_events']:,} events, {stored['chat_sessions']:,} sessions, "
        f"{stored['chat_messages']:,} messages. Exact: {'yes' if result['exact'] else 'NO'}.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: run the load, print the table, save JSON; 1 on any failure or data mismatch."""
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (default 60)")
    parser.add_argument("--staff", type=int, default=50)
    parser.add_argument("--ingest", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--sessions", type=int, default=20_000, help="seeded before the run (default 20000)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/load-*.json")
    args = parser.parse_args(argv)
    result = run(args)
    print(render(result))
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        name = f"load-{result['backend']}-{result['when'][:10]}.json"
        (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n")
    failures = sum(r["failures"] for r in result["requests"] if r["name"] == "all requests")
    return 0 if failures == 0 and result["exact"] else 1


if __name__ == "__main__":
    sys.exit(main())
