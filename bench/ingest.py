"""`python -m bench.ingest`: events/s through POST /api/v1/events over HTTP, as production runs it.

Starts gunicorn (`--workers`, default 4) on a scratch database beside `--database-url` and posts
batches of 200 events (whole sessions of 20) from `--clients` threads; prints events/s, the
per-batch latency p50/p95, and checks the database holds every accepted event. `measure` (used by
`python -m bench.run`) serves the app in-process instead, as a diagnosis.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import secrets
import socket
import statistics
import sys
import threading
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, make_url, select

from data.schema import ingested_events
from web.context import services_of

ROOT = Path(__file__).resolve().parent.parent

# A throwaway token for this process's own loopback server, made fresh each run.
TOKEN = secrets.token_urlsafe(16)


def session_events(start: datetime) -> list[dict]:
    """One closed session of 20 events: start, 8 turns, 2 topics, an action, rating, close."""
    sid = str(uuid.uuid4())

    def event(kind: str, seconds: int, **fields) -> dict:
        at = (start + timedelta(seconds=seconds)).isoformat()
        return {"event_id": str(uuid.uuid4()), "type": kind, "session_id": sid, "at": at, **fields}

    events = [event("session_started", 0, user_type="client")]
    for turn in range(8):
        events.append(
            event("message", 10 + 30 * turn, sender_type="user", content="How do I move my booking?")
        )
        events.append(event("message", 12 + 30 * turn, sender_type="assistant", content="Open Bookings, then Move.",
                            processing_time_ms=850.0))  # fmt: skip
    events += [event("topic", 5, topic="booking"), event("topic", 6, topic="scheduling"),
               event("action", 100, action={"type": "link_click"}), event("satisfaction", 290, rating=5),
               event("session_closed", 300)]  # fmt: skip
    return events[:20]


def batches(count: int, size: int) -> list[bytes]:
    start = datetime.now(UTC) - timedelta(hours=1)
    out = []
    for _ in range(count):
        events: list[dict] = []
        while len(events) < size:
            events += session_events(start)
        out.append(json.dumps({"events": events[:size]}).encode())
    return out


def post_batches(url: str, token: str, work: list[list[bytes]]) -> dict:
    """Post each client's batches from its own thread; events/s and per-batch latency."""
    accepted: list[int] = []
    latencies: list[float] = []

    def client(bodies: list[bytes]) -> None:
        for body in bodies:
            request = urllib.request.Request(
                url, data=body, method="POST",
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )  # fmt: skip
            sent = time.perf_counter()
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
                accepted.append(json.load(response)["accepted"])
            latencies.append((time.perf_counter() - sent) * 1000)

    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(bodies,)) for bodies in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - began
    total = sum(accepted)
    latencies.sort()
    return {
        "events": total,
        "seconds": seconds,
        "events_per_s": total / seconds,
        "clients": len(work),
        "batch_size": len(json.loads(work[0][0])["events"]) if work and work[0] else 0,
        "batches": len(latencies),
        "batch_p50_ms": statistics.median(latencies) if latencies else None,
        "batch_p95_ms": latencies[max(0, math.ceil(0.95 * len(latencies)) - 1)] if latencies else None,
    }


def measure(database_url: str, clients: int = 4, batches_per_client: int = 25, batch_size: int = 200) -> dict:
    """Serve an app on `database_url` in this process over loopback HTTP and post batches from
    `clients` threads (a diagnosis: production runs gunicorn, see `serve_and_measure`)."""
    from werkzeug.serving import make_server

    from app import create_app
    from config import Config

    app = create_app(Config(database_url=database_url, testing=True, ingest_tokens=(TOKEN,)))
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/api/v1/events"
    work = [batches(batches_per_client, batch_size) for _ in range(clients)]
    try:
        return post_batches(url, TOKEN, work)
    finally:
        server.shutdown()
        services_of(app.server).engine.dispose()


def serve_and_measure(
    database_url: str,
    workers: int,
    clients: int,
    batches_per_client: int,
    batch_size: int,
    app_dir: Path = ROOT,
) -> dict:
    """Start gunicorn as production runs it on a scratch copy of `database_url`'s database and post
    batches to it over loopback HTTP; the figures, with what the database then holds."""
    from bench.scratch import scratch_database
    from bench.serving import served
    from data.db import create_engine

    with scratch_database(database_url) as url:
        with served(url, _free_port(), workers, {"INGEST_TOKENS": TOKEN}, app_dir) as (
            base,
            _pid,
            _user,
            _pw,
        ):
            work = [batches(batches_per_client, batch_size) for _ in range(clients)]
            result = post_batches(f"{base}/api/v1/events", TOKEN, work)
        engine = create_engine(url)
        with engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(ingested_events)).scalar_one()
        engine.dispose()
    return {**result, "workers": workers, "backend": make_url(database_url).get_backend_name(),
            "stored_events": stored}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        help="a scratch schema (PostgreSQL) or file (SQLite) beside this database is used")  # fmt: skip
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--clients", type=int, default=8, help="posting threads (default 8)")
    parser.add_argument("--batches", type=int, default=25, help="batches per client (default 25)")
    parser.add_argument("--batch-size", type=int, default=200, help="events per batch (default 200)")
    parser.add_argument("--app-dir", type=Path, default=ROOT, help="serve this checkout (default: this one)")
    args = parser.parse_args(argv)
    r = serve_and_measure(
        args.database_url, args.workers, args.clients, args.batches, args.batch_size, args.app_dir.resolve()
    )
    print(
        f"{r['backend']}, gunicorn {r['workers']} workers, {r['clients']} clients x {args.batches} batches of "
        f"{r['batch_size']}: {r['events']:,} events in {r['seconds']:.1f} s = {r['events_per_s']:,.0f} events/s; "
        f"per batch p50 {r['batch_p50_ms']:.0f} ms, p95 {r['batch_p95_ms']:.0f} ms; stored {r['stored_events']:,}"
    )
    return 0 if r["stored_events"] == r["events"] else 1


if __name__ == "__main__":
    sys.exit(main())
