"""A chat back end feeding Chat Analytics over HTTP: copy this into your own service.

Plays one realistic support conversation and sends it as events to POST /api/v1/events, with
stdlib only. Every event has its own UUID, so re-sending a batch after a timeout is harmless.

    INGEST_TOKEN=... python examples/chat_backend.py --url http://127.0.0.1:8050
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

CONVERSATION = [
    ("user", "Hi, I was charged twice for my booking last week."),
    ("assistant", "Sorry about that! Let me check your recent payments."),
    ("user", "It was the physiotherapy session on Tuesday."),
    (
        "assistant",
        "I can see two charges of 45.00 on Tuesday; one is a pre-authorisation that will drop off.",
    ),
    ("user", "When will it disappear?"),
    ("assistant", "Within 3 to 5 business days. Here is our billing FAQ with the details."),
]


def build_events(session_id: str, username: str | None, start: datetime) -> list[dict]:
    """The session's events in order, timestamped as they would happen."""
    at = start

    def event(kind: str, **fields) -> dict:
        return {
            "event_id": str(uuid.uuid4()),
            "type": kind,
            "session_id": session_id,
            "at": at.isoformat(),
            **fields,
        }

    started = {"user_type": "client"}
    if username:
        started["user"] = {"username": username, "user_type": "client"}
    events = [event("session_started", **started), event("topic", topic="billing")]
    for sender, text in CONVERSATION:
        at += timedelta(seconds=random.uniform(5, 40))
        extra = {}
        if sender == "assistant":
            extra = {"processing_time_ms": round(random.lognormvariate(6.6, 0.5), 1), "cached": False,
                     "metadata": {"model": "assistant-v2"}}  # fmt: skip
        events.append(event("message", sender_type=sender, content=text, **extra))
    at += timedelta(seconds=3)
    events.append(event("action", action={"type": "link_click", "target": "/help/billing"}))
    events.append(event("topic", topic="payments"))
    events.append(event("resolved", resolved=True))
    events.append(event("satisfaction", rating=5))
    at += timedelta(seconds=10)
    events.append(event("session_closed"))
    return events


def send(url: str, token: str, events: list[dict], attempts: int = 5) -> dict:
    """POST one batch; on 503 (database busy) wait for Retry-After and send the same batch again."""
    body = json.dumps({"events": events}).encode()
    for attempt in range(attempts):
        request = urllib.request.Request(
            url.rstrip("/") + "/api/v1/events",
            data=body,
            method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the operator's URL
                return json.load(response)
        except urllib.error.HTTPError as exc:
            if exc.code == 503 and attempt < attempts - 1:
                time.sleep(float(exc.headers.get("Retry-After", "2")))
                continue
            raise SystemExit(f"error: HTTP {exc.code}: {exc.read().decode(errors='replace')}") from None
    raise SystemExit("error: the server stayed unavailable")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Send one realistic chat session to Chat Analytics.")
    parser.add_argument("--url", default="http://127.0.0.1:8050", help="the app's base URL")
    parser.add_argument("--token", default=os.environ.get("INGEST_TOKEN"), help="or INGEST_TOKEN")
    parser.add_argument("--username", default="example-client", help="'' for an anonymous visitor")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("give --token or set INGEST_TOKEN (one of the server's INGEST_TOKENS)")
    session_id = str(uuid.uuid4())
    events = build_events(session_id, args.username or None, datetime.now(UTC) - timedelta(minutes=10))
    # Two batches, as a back end would send while the chat goes on; the second ends the session.
    for batch in (events[:5], events[5:]):
        answer = send(args.url, args.token, batch)
        print(f"session {session_id}: accepted {answer['accepted']}, duplicates {answer['duplicates']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
