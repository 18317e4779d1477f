"""/metrics under gunicorn with several workers (multi-process mode): any worker's scrape has the
totals of all of them, before and after a worker dies; a previous run's files are cleared at start."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from data.db import create_engine, upgrade_schema
from tests.servers import ROOT, free_port, get, gunicorn_command, serving

INGEST_TOKEN = "gunicorn-ingest-token-0123456789"
METRICS_TOKEN = "gunicorn-metrics-token-0123456789"
BATCHES = 24


def session_batch() -> list[dict]:
    """One whole client session: start, a question, an answer of 250 ms, close."""
    session = str(uuid.uuid4())

    def ev(kind: str, **fields) -> dict:
        return {"event_id": str(uuid.uuid4()), "type": kind, "session_id": session, **fields}

    return [
        ev("session_started", user_type="client"),
        ev("message", sender_type="user", content="question"),
        ev("message", sender_type="assistant", content="answer", processing_time_ms=250),
        ev("session_closed"),
    ]


def post_batch(base: str, events: list[dict]) -> int:
    request = urllib.request.Request(
        base + "/api/v1/events",
        data=json.dumps({"events": events}).encode(),
        headers={"Authorization": f"Bearer {INGEST_TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        return response.status


def scrape(base: str) -> dict[tuple[str, tuple], float]:
    request = urllib.request.Request(base + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        assert "Set-Cookie" not in response.headers
        body = response.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


def worker_pids(folder: Path, kind: str = "*") -> set[int]:
    """Processes that wrote metric files of `kind` (prometheus_client names them KIND_PID.db)."""
    return {int(f.stem.rsplit("_", 1)[1]) for f in folder.glob(f"{kind}_*.db")}


def totals(samples) -> tuple[float, float, float, float]:
    events = {"route": "/api/v1/events", "method": "POST", "status": "200"}
    return (
        samples[("chat_ingest_batches_total", ())],
        samples[("chat_ingest_events_total", (("result", "accepted"),))],
        samples[("chat_http_request_duration_seconds_count", tuple(sorted(events.items())))],
        samples[("chat_sessions_started_total", (("user_type", "client"),))],
    )


def test_every_worker_scrapes_the_sum_of_all_workers(tmp_path, sqlite_url):
    engine = create_engine(sqlite_url)
    upgrade_schema(engine)  # once, before the workers start
    engine.dispose()
    folder = tmp_path / "prometheus"
    folder.mkdir()
    stale = folder / "counter_4242424.db"
    stale.write_bytes(b"left by a previous run")
    port = free_port()
    env = {
        "DATABASE_URL": sqlite_url,
        "SECRET_KEY": "gunicorn-test-secret",
        "INGEST_TOKENS": INGEST_TOKEN,
        "METRICS_TOKENS": METRICS_TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
    }
    command = [*gunicorn_command(port, workers=2), "--config", str(ROOT / "gunicorn.conf.py")]
    with serving(command, port, env, tmp_path, timeout=90) as base:
        assert not stale.exists()
        sent = 0
        with ThreadPoolExecutor(max_workers=4) as pool:
            # Concurrent posts spread over both workers; more rounds only if one worker took them all.
            while sent < BATCHES or len(worker_pids(folder, "counter")) < 2:
                assert sent < 10 * BATCHES, "one worker answered every request"
                statuses = list(pool.map(lambda _: post_batch(base, session_batch()), range(BATCHES)))
                assert statuses == [200] * BATCHES
                sent += BATCHES
        assert len(worker_pids(folder, "counter")) == 2
        expected = (sent, 4 * sent, sent, sent)
        scrapes = [totals(scrape(base)) for _ in range(6)]
        assert scrapes == [expected] * 6

        # A worker dies (say, the OOM killer): gunicorn starts another, and no count goes back.
        victim = min(worker_pids(folder, "counter"))
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while get(base + "/healthz")[0] != 200 or len(_live(worker_pids(folder))) < 2:
            assert time.monotonic() < deadline, "gunicorn did not replace the worker"
            time.sleep(0.2)
        assert post_batch(base, session_batch()) == 200
        assert totals(scrape(base)) == (sent + 1, 4 * (sent + 1), sent + 1, sent + 1)


def _live(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        alive.add(pid)
    return alive
