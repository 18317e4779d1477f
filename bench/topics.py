"""`python -m bench.topics`: the topic explorer's JSON for 90 days over HTTP, cold, beside a direct scan.

Serves `python app.py` with CACHE_SECONDS=0 on a seeded database (built once and cached, as
`python -m bench.run` does), times GET /admin/chat-analytics/api/topics/?period=90d as a client on
the same machine sees it (so an upper bound of the server's time), then the naive way in-process:
the same per-topic figures by scanning the base tables for the period (exact percentiles in numpy).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Engine, func, select

from bench.cold_http import add_arguments, cold_server
from bench.dashboard import percentiles
from bench.saved import save
from bench.serving import signed_in_opener
from data.db import create_engine
from data.periods import preset_period
from data.schema import chat_messages, chat_sessions, session_topics
from data.topic_counters import topic_answers_from, topic_sessions_from, topic_sums_sql
from metrics.spans import sessions_where

ROOT = Path(__file__).resolve().parent.parent
QUERIES = {"90d": "?period=90d", "90d, clients": "?period=90d&user_type=client", "7d": "?period=7d"}


def over_http(base: str, username: str, password: str, calls: int) -> dict:
    """{label: {"first_ms", "p50_ms", "p95_ms", "topics"}} of `calls` GETs of each query."""
    opener = signed_in_opener(base, username, password)
    out = {}
    for label, query in QUERIES.items():
        samples, topics = [], 0
        for _ in range(calls):
            began = time.perf_counter()
            with opener.open(f"{base}/admin/chat-analytics/api/topics/{query}") as response:
                body = json.loads(response.read())
            samples.append((time.perf_counter() - began) * 1000)
            topics = len(body["topics"])
        out[label] = {"first_ms": samples[0], **percentiles(samples), "topics": topics}
    return out


def direct_scan(engine: Engine, days: int = 90) -> dict:
    """The naive way: the explorer's per-topic sums, exact percentiles and daily volume, straight
    from the base tables for the period. Milliseconds and the topics found."""
    period = preset_period(f"{days}d", ZoneInfo("UTC"))
    began = time.perf_counter()
    with engine.connect() as conn:
        sums = conn.execute(
            select(session_topics.c.topic, *topic_sums_sql())
            .select_from(topic_sessions_from())
            .where(*sessions_where(period, None))
            .group_by(session_topics.c.topic)
        ).all()
        times: dict[str, list[float]] = {}
        for topic, ms in conn.execute(
            select(session_topics.c.topic, chat_messages.c.processing_time_ms)
            .select_from(topic_answers_from())
            .where(*sessions_where(period, None))
        ):
            times.setdefault(topic, []).append(ms)
        _ = {topic: np.percentile(values, [50, 95]) for topic, values in times.items()}
        day = func.date(chat_sessions.c.created_at)
        conn.execute(
            select(session_topics.c.topic, day, func.count())
            .select_from(
                session_topics.join(chat_sessions, chat_sessions.c.session_id == session_topics.c.session_id)
            )
            .where(*sessions_where(period, None))
            .group_by(session_topics.c.topic, day)
        ).all()
    return {"ms": (time.perf_counter() - began) * 1000, "topics": len(sums)}


def render(result: dict) -> str:
    """The figures as a markdown table."""
    lines = [
        f"{result['backend']}, {result['sessions']:,} sessions over 90 days, over HTTP from `python app.py` "
        f"with CACHE_SECONDS=0 ({result['when'][:10]}; load average {result['load_average_before']:.1f})",
        "",
        "| request | topics | first | p50 | p95 |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, r in result["http"].items():
        lines.append(
            f"| api/topics/ {label} | {r['topics']} | {r['first_ms']:.0f} ms | {r['p50_ms']:.0f} ms "
            f"| {r['p95_ms']:.0f} ms |"
        )
    naive = result["direct_scan"]
    lines.append(
        f"| direct scan of the base tables, 90d (in-process) | {naive['topics']} | | {naive['ms']:.0f} ms | |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: build or reuse the database, measure, print the table, save the JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.topics", description=__doc__.splitlines()[0])
    add_arguments(parser, port=8767, output="topics-BACKEND-N.json")
    parser.add_argument("--calls", type=int, default=20, help="requests per query")
    args = parser.parse_args(argv)
    with cold_server(args) as (result, url, base, username, password):
        result["http"] = over_http(base, username, password, args.calls)
    engine = create_engine(url)
    result["direct_scan"] = min((direct_scan(engine) for _ in range(3)), key=lambda r: r["ms"])
    engine.dispose()
    print(render(result))
    save(result, args.output, f"topics-{result['backend']}-{args.sessions}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
