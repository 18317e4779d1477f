"""`python -m bench.exports_formats`: rows/s and server memory of each export, CSV and Parquet, over HTTP.

Measured the way a user meets it: a download from `python app.py`, read to the last byte. By default
it starts `python app.py` on `--database-url` (a seeded database: `python -m data.seed --sessions N`),
with a throwaway staff account; `--base-url` measures a server that is already running instead
(sign in with `--username` and the password in BENCH_PASSWORD; `--pid` for its memory). The server's
resident memory is sampled during each download: growth is the peak minus the level just before
(after one small warm-up download per format, so one-time library set-up is not counted).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
from sqlalchemy import func, make_url, select

from bench.saved import save
from bench.serving import rss_mb, served, signed_in_opener
from data.db import create_engine
from data.schema import chat_sessions

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("sessions", "messages", "analytics")
FORMATS = ("csv", "parquet")
READ_BYTES = 256 * 1024


class PeakMemory:
    """Samples a process's resident memory every 20 ms in a thread; `peak` is the highest seen."""

    def __init__(self, pid: int | None) -> None:
        self.pid, self.peak, self._stop = pid, None, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            value = rss_mb(self.pid)
            if value is not None:
                self.peak = value if self.peak is None else max(self.peak, value)
            self._stop.wait(0.02)

    def __enter__(self) -> PeakMemory:
        if self.pid:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self.pid:
            self._thread.join()


def download(opener, url: str, fmt: str, pid: int | None) -> dict:
    """Fetch one export to its last byte; rows, seconds, bytes and the server's memory growth."""
    before = rss_mb(pid) if pid else None
    with tempfile.TemporaryFile() as spool, PeakMemory(pid) as memory:
        began = time.perf_counter()
        with opener.open(url) as response:
            size = 0
            while chunk := response.read(READ_BYTES):
                spool.write(chunk)
                size += len(chunk)
        seconds = time.perf_counter() - began
        spool.seek(0)
        if fmt == "parquet":
            rows = pq.ParquetFile(spool).metadata.num_rows
        else:
            rows = sum(1 for _ in csv.reader(io.TextIOWrapper(spool, encoding="utf-8", newline=""))) - 1
    growth = None if before is None or memory.peak is None else max(memory.peak - before, 0.0)
    return {"rows": rows, "seconds": seconds, "rows_per_s": rows / seconds, "bytes": size,
            "server_rss_before_mb": before, "server_rss_peak_mb": memory.peak, "memory_growth_mb": growth}  # fmt: skip


def measure(base: str, pid: int | None, username: str, password: str, kinds, formats) -> dict:
    """{kind: {format: figures}} for every export and format."""
    opener = signed_in_opener(base, username, password)
    for fmt in formats:
        # Warm-up: the first download of a format sets up its writer's libraries and memory pools
        # once per process; growth measured after it is what an export of that size costs.
        download(
            opener, f"{base}/admin/chat-analytics/export/sessions/?is_active=true&format={fmt}", fmt, None
        )
    out: dict = {}
    for kind in kinds:
        for fmt in formats:
            print(f"{kind} {fmt} ...", file=sys.stderr, flush=True)
            url = f"{base}/admin/chat-analytics/export/{kind}/?format={fmt}"
            out.setdefault(kind, {})[fmt] = download(opener, url, fmt, pid)
        counts = {fmt: out[kind][fmt]["rows"] for fmt in formats}
        if len(set(counts.values())) != 1:
            raise SystemExit(f"error: {kind} gave different row counts per format: {counts}")
    return out


def render(result: dict) -> str:
    """The figures as a markdown table."""
    lines = [
        f"{result['backend']}, {result['sessions']:,} sessions, DISPLAY_TIMEZONE {result['display_timezone']}, "
        f"over HTTP from `python app.py` ({result['when'][:10]}; "
        f"load average {result['load_average_before']:.1f} before, {result['load_average_after']:.1f} after)",
        "",
        "| export | format | rows | time | rows/s | size | server memory growth |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for kind, formats in result["exports"].items():
        for fmt, e in formats.items():
            growth = "n/a" if e["memory_growth_mb"] is None else f"+{e['memory_growth_mb']:.1f} MB"
            lines.append(
                f"| {kind} | {fmt} | {e['rows']:,} | {e['seconds']:.1f} s | {e['rows_per_s']:,.0f} "
                f"| {e['bytes'] / 1e6:,.1f} MB | {growth} |"
            )
    return "\n".join(lines)


def _sessions(database_url: str) -> int:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(chat_sessions)).scalar_one()
    engine.dispose()
    return int(n)


def main(argv: list[str] | None = None) -> int:
    """Command line: measure every export and format, print the table, save the JSON."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.exports_formats", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="a seeded database")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--base-url", help="measure this running server instead of starting one")
    parser.add_argument("--username", help="a staff account of --base-url (password in BENCH_PASSWORD)")
    parser.add_argument("--pid", type=int, help="the --base-url server's process id, for its memory")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument(
        "--output", type=Path, help="JSON file (default bench/results/exports-BACKEND-N.json)"
    )
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url (or DATABASE_URL) is required: it names the data measured")
    kinds, formats = args.kinds.split(","), args.formats.split(",")
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "backend": make_url(args.database_url).get_backend_name(),
        "sessions": _sessions(args.database_url),
        # The zone decides how timestamps are written (with its offset changes over the data).
        "display_timezone": os.environ.get("DISPLAY_TIMEZONE", "UTC"),
        "load_average_before": os.getloadavg()[0],
    }
    if args.base_url:
        if not args.username or "BENCH_PASSWORD" not in os.environ:
            parser.error("--base-url needs --username and the password in BENCH_PASSWORD")
        result["exports"] = measure(
            args.base_url, args.pid, args.username, os.environ["BENCH_PASSWORD"], kinds, formats
        )
    else:
        with served(args.database_url, args.port) as (base, pid, username, password):
            result["exports"] = measure(base, pid, username, password, kinds, formats)
    result["load_average_after"] = os.getloadavg()[0]
    print(render(result))
    save(result, args.output, f"exports-{result['backend']}-{result['sessions']}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
