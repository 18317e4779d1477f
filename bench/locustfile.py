"""Locust users for `python -m bench.load`: staff at the dashboard, and chat back ends posting events.

Settings come from the environment the runner sets: LOAD_USERNAME, LOAD_PASSWORD, LOAD_TOKEN and
LOAD_COUNTS (where the ingestion users' tally of sent and accepted events is written at the end).
"""

from __future__ import annotations

import json
import os
import random
import re
import uuid
from datetime import UTC, datetime, timedelta

from locust import HttpUser, between, events, task

from bench.dash_calls import call_body, filter_callbacks, payload

DASH = "/admin/chat-analytics/"
PERIODS = ["24h", "7d", "30d", "90d"]
USER_TYPES = [None, None, "client", "provider", "anonymous"]
TALLY = {"batches": 0, "events": 0, "accepted": 0, "duplicates": 0, "messages": 0, "sessions": 0}


class Staff(HttpUser):
    """A support lead: opens the dashboard, changes filters, the live card ticks, scripts poll the API."""

    fixed_count = int(os.environ.get("LOAD_STAFF", "50"))
    wait_time = between(1, 3)

    def on_start(self) -> None:
        page = self.client.get("/login", name="login page").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        form = {
            "csrf_token": token,
            "username": os.environ["LOAD_USERNAME"],
            "password": os.environ["LOAD_PASSWORD"],
        }
        with self.client.post(
            "/login", data=form, name="sign in", allow_redirects=False, catch_response=True
        ) as r:
            if r.status_code != 302:
                r.failure(f"sign-in answered {r.status_code}")
        deps = self.client.get(DASH + "_dash-dependencies", name="dashboard: dependencies").json()
        self.callbacks = filter_callbacks(deps)
        self.live = next(d for d in deps if {"id": "live-tick", "property": "n_intervals"} in d["inputs"])
        self.filters = {"preset": "7d"}

    @task(3)
    def change_filters(self) -> None:
        self.filters = {"preset": random.choice(PERIODS)}
        if user_type := random.choice(USER_TYPES):
            self.filters["user_type"] = user_type
        for callback in self.callbacks:
            name = "dashboard: " + callback["output"].strip(".").split(".")[0]
            self.client.post(DASH + "_dash-update-component", json=payload(callback, self.filters), name=name)

    @task(3)
    def live_tick(self) -> None:
        values = {"live-tick.n_intervals": 1, "filters.data": self.filters, "db-error.is_open": False}
        body = call_body(self.live, values, ["live-tick.n_intervals"])
        self.client.post(DASH + "_dash-update-component", json=body, name="dashboard: live count")

    @task(2)
    def poll_api(self) -> None:
        self.client.get(DASH + "api/?period=" + random.choice(PERIODS), name="api")

    @task(1)
    def open_dashboard(self) -> None:
        self.client.get(DASH, name="dashboard: page")
        self.client.get(DASH + "_dash-layout", name="dashboard: layout")


def session_events() -> list[dict]:
    """One whole conversation: start, 3 exchanges, a topic, a rating, resolved, closed."""
    session, at = str(uuid.uuid4()), datetime.now(UTC) - timedelta(minutes=10)

    def ev(kind: str, seconds: float, **fields) -> dict:
        return {"event_id": str(uuid.uuid4()), "type": kind, "session_id": session,
                "at": (at + timedelta(seconds=seconds)).isoformat(), **fields}  # fmt: skip

    out = [ev("session_started", 0, user_type=random.choice(["client", "provider", "anonymous"]))]
    for n in range(3):
        out.append(ev("message", 10 * n + 1, sender_type="user", content=f"question {n}"))
        out.append(ev("message", 10 * n + 2, sender_type="assistant", content=f"answer {n}",
                      processing_time_ms=random.lognormvariate(6.5, 0.5)))  # fmt: skip
    out += [ev("topic", 40, topic=random.choice(["billing", "booking", "account access"])),
            ev("satisfaction", 41, rating=random.randint(1, 5)), ev("resolved", 42, resolved=True),
            ev("session_closed", 43)]  # fmt: skip
    return out


class ChatBackend(HttpUser):
    """A chat back end posting batches of whole sessions."""

    fixed_count = int(os.environ.get("LOAD_INGEST", "10"))
    wait_time = between(0.5, 1.5)

    @task
    def post_batch(self) -> None:
        batch = [e for _ in range(5) for e in session_events()]
        headers = {"Authorization": f"Bearer {os.environ['LOAD_TOKEN']}"}
        with self.client.post(
            "/api/v1/events", json={"events": batch}, headers=headers, name="ingest", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"ingestion answered {response.status_code}")
                return
            answer = response.json()
        TALLY["batches"] += 1
        TALLY["events"] += len(batch)
        TALLY["accepted"] += answer["accepted"]
        TALLY["duplicates"] += answer["duplicates"]
        TALLY["messages"] += sum(e["type"] == "message" for e in batch)
        TALLY["sessions"] += sum(e["type"] == "session_started" for e in batch)


@events.test_stop.add_listener
def _write_tally(**_kwargs) -> None:
    if path := os.environ.get("LOAD_COUNTS"):
        with open(path, "w") as handle:
            json.dump(TALLY, handle)
