"""Events/s through POST /api/v1/events over HTTP (used by `python -m bench.run`).

Serves the app with a threaded WSGI server on a free loopback port and sends batches of 200
events (whole sessions) from several client threads.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

from web.context import services_of

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


def measure(database_url: str, clients: int = 4, batches_per_client: int = 25, batch_size: int = 200) -> dict:
    """Serve an app on `database_url` over loopback HTTP and post batches from `clients` threads."""
    from werkzeug.serving import make_server

    from app import create_app
    from config import Config

    app = create_app(Config(database_url=database_url, testing=True, ingest_tokens=(TOKEN,)))
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/api/v1/events"
    work = [batches(batches_per_client, batch_size) for _ in range(clients)]
    accepted: list[int] = []

    def client(bodies: list[bytes]) -> None:
        for body in bodies:
            request = urllib.request.Request(
                url, data=body, method="POST",
                headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
            )  # fmt: skip
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
                accepted.append(json.load(response)["accepted"])

    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(bodies,)) for bodies in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - began
    server.shutdown()
    services_of(app.server).engine.dispose()
    total = sum(accepted)
    return {"events": total, "seconds": seconds, "events_per_s": total / seconds, "clients": clients,
            "batch_size": batch_size}  # fmt: skip
