"""The frame of a benchmark against `python app.py` over HTTP with the figure cache off."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import make_url

from bench.seeded import prepare
from bench.serving import served


def add_arguments(parser: argparse.ArgumentParser, port: int, output: str) -> None:
    """--sessions, --database-url, --port and --output, as every such benchmark takes them."""
    parser.add_argument("--sessions", type=int, default=100_000, help="seeded sessions (default 100,000)")
    parser.add_argument("--database-url", help="an empty or already-built database (default: cached SQLite)")
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--output", type=Path, help=f"JSON file (default bench/results/{output})")


@contextmanager
def cold_server(args: argparse.Namespace) -> Iterator[tuple[dict, str, str, str, str]]:
    """Build or reuse the database, serve it cold; yield (result header, database URL, base URL,
    staff username, password). The load average is noted before and after."""
    url = prepare(args.sessions, args.database_url)
    os.environ["CACHE_SECONDS"] = "0"  # cold: every request computes its figures
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "backend": make_url(url).get_backend_name(),
        "sessions": args.sessions,
        "load_average_before": os.getloadavg()[0],
    }
    with served(url, args.port) as (base, _pid, username, password):
        yield result, url, base, username, password
    result["load_average_after"] = os.getloadavg()[0]
