"""Rollup tables: maintained by every writer in the same transaction, equal to a rebuild, and the
histogram's percentile bound.

The reference is always `data.rollups.rebuild` from the base tables (or numpy over the raw values),
never the incremental code path being checked.
"""

from __future__ import annotations

import json
import math
import threading
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from data import histogram, recording, rollups, seed
from data.tracker import AnalyticsTracker, AnalyticsWriter
from tests.builders import Msg, Spec, build, sid

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
TOKEN = "rollup-test-token-0123456789"


def incremental_and_rebuilt(engine) -> tuple[dict, dict]:
    """The rollup rows as the writers left them, then as a rebuild from the base tables makes them."""
    with engine.connect() as conn:
        maintained = rollups.rollup_rows(conn)
    with engine.begin() as conn:
        rollups.rebuild(conn)
    with engine.connect() as conn:
        rebuilt = rollups.rollup_rows(conn)
    return maintained, rebuilt


def assert_consistent(engine) -> dict:
    maintained, rebuilt = incremental_and_rebuilt(engine)
    for table in rebuilt:
        assert maintained[table] == rebuilt[table], table
    return rebuilt


def test_seeded_data_keeps_rollups_equal_to_a_rebuild(engine):
    seed.generate(engine, sessions=400, days=5, active=6, seed=3, now=NOW)
    rebuilt = assert_consistent(engine)
    # Not vacuous: every table holds rows, and the hour rows add up to the base tables.
    assert all(rebuilt[t] for t in rebuilt)
    with engine.connect() as conn:
        sessions = conn.execute(text("SELECT COUNT(*) FROM chat_sessions")).scalar()
        messages = conn.execute(text("SELECT COUNT(*) FROM chat_messages")).scalar()
        summed = conn.execute(
            text("SELECT SUM(sessions), SUM(msg_user + msg_assistant + msg_system) FROM rollup_hours")
        ).one()
    assert tuple(summed) == (sessions, messages)


def test_hand_built_sessions_with_gaps_ratings_and_late_messages(engine):
    t = datetime(2026, 11, 10, 9, 50, tzinfo=UTC)
    build(
        engine,
        [
            # Messages in hours 9, 10 and 12: gaps of 1 and 2 hours.
            Spec(
                sid(1),
                "client",
                t,
                [
                    Msg("user", 0),
                    Msg("assistant", 30, ms=120.0),
                    Msg("user", 900),
                    Msg("assistant", 3 * 3600, ms=0.0),
                ],
                topics=["billing", "login"],
                rating=2,
                closed_after_s=4 * 3600,
            ),
            Spec(
                sid(2),
                "provider",
                t,
                [Msg("assistant", 5, ms=3.25)],
                topics=["billing"],
                resolved=True,
                rating=5,
            ),
            Spec(
                sid(3),
                "anonymous",
                t + timedelta(days=1),
                [],
                topics=["api"],
                escalated=True,
                closed_after_s=None,
            ),
        ],
    )
    with engine.begin() as conn:
        # A message older than the session's others, into an hour between two: moves a gap.
        recording.start_session(conn, session_id=sid(4), at=t, user_type="client")
        for offset in (0, 7200):
            recording.record_message(
                conn, session_id=sid(4), sender_type="user", content="x", at=t + timedelta(seconds=offset)
            )
        recording.record_message(
            conn,
            session_id=sid(4),
            sender_type="assistant",
            content="late",
            at=t + timedelta(seconds=3700),
            processing_time_ms=77.0,
        )
        # Ratings change, even after the session closed.
        recording.set_satisfaction(conn, session_id=sid(1), rating=4, at=t)
        recording.set_satisfaction(conn, session_id=sid(3), rating=1, at=t)
    rebuilt = assert_consistent(engine)
    gaps = {(row[0], row[1], row[2]): row[3] for row in rebuilt["rollup_message_sessions"]}
    hour = rollups.bucket_start(t, 3600)
    assert gaps[(hour + 3 * 3600, "client", 2)] == 1  # sid(1): 12:50 after 10:05
    assert gaps[(hour + 2 * 3600, "client", 1)] == 1  # sid(4): 11:50 now follows 10:51


def test_a_rolled_back_write_leaves_the_rollups_alone(engine):
    build(engine, [Spec(sid(1), "client", NOW - timedelta(hours=3), [Msg("user", 0)], closed_after_s=None)])
    with engine.connect() as conn:
        before = rollups.rollup_rows(conn)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        recording.record_message(
            conn, session_id=sid(1), sender_type="assistant", content="a", at=NOW, processing_time_ms=5.0
        )
        recording.record_topic(conn, session_id=sid(1), topic="billing", at=NOW)
        raise RuntimeError("the writer crashed mid-transaction")
    with engine.connect() as conn:
        assert rollups.rollup_rows(conn) == before
    assert_consistent(engine)


def test_the_tracker_keeps_rollups_consistent(engine):
    writer = AnalyticsWriter(engine)
    for n in range(3):
        chat = AnalyticsTracker.start(engine, writer, user_type="client" if n else "anonymous")
        chat.record_message("user", "hello")
        chat.record_message("assistant", "hi", processing_time_ms=250.0 + n)
        chat.record_topic("billing")
        chat.mark_resolved(n % 2 == 0)
        chat.set_satisfaction(3 + n)
        chat.close()
    assert writer.shutdown()
    rebuilt = assert_consistent(engine)
    assert len(rebuilt["rollup_topics"]) >= 2


def test_ingestion_batches_from_concurrent_clients_keep_rollups_consistent(make_app):
    app = make_app(ingest_tokens=(TOKEN,))
    engine = app.server.extensions["chat_analytics"].engine
    start = datetime.now(UTC) - timedelta(hours=5)

    def events_for(client_no: int) -> list[dict]:
        out = []
        for s in range(5):
            session = str(uuid.uuid4())
            at = start + timedelta(minutes=37 * s + client_no)

            def ev(kind, seconds, session=session, at=at, **fields):
                return {
                    "event_id": str(uuid.uuid4()),
                    "type": kind,
                    "session_id": session,
                    "at": (at + timedelta(seconds=seconds)).isoformat(),
                    **fields,
                }

            out.append(ev("session_started", 0, user_type=("client", "provider", "anonymous")[s % 3]))
            # Sent newest first: the batch is applied in time order, across two hours.
            for k in reversed(range(6)):
                out.append(
                    ev(
                        "message",
                        900 * k,
                        sender_type="assistant",
                        content="a",
                        processing_time_ms=40.0 * (k + 1),
                    )
                )
            out.append(ev("topic", 5, topic=f"topic-{s % 2}"))
            out.append(ev("satisfaction", 10, rating=1 + s % 5))
            if s % 2:
                out.append(ev("session_closed", 6000))
        return out

    errors = []

    def client_run(n: int) -> None:
        client = app.server.test_client()
        response = client.post(
            "/api/v1/events",
            data=json.dumps({"events": events_for(n)}),
            headers={"Authorization": f"Bearer {TOKEN}"},
            content_type="application/json",
        )
        if response.status_code != 200:
            errors.append(response.get_data(as_text=True))

    threads = [threading.Thread(target=client_run, args=(n,)) for n in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    rebuilt = assert_consistent(engine)
    hist_total = sum(row[4] for row in rebuilt["rollup_response"] if row[0] == "h")
    assert hist_total == 4 * 5 * 6


def test_rebuild_command_restores_damaged_rollups(database_url, engine, capsys):
    seed.generate(engine, sessions=60, days=2, active=1, seed=5, now=NOW)
    with engine.connect() as conn:
        good = rollups.rollup_rows(conn)
    with engine.begin() as conn:
        conn.execute(text("UPDATE rollup_hours SET sessions = sessions + 7"))
        conn.execute(text("DELETE FROM rollup_topics"))
    assert rollups.main(["rebuild", "--database-url", database_url]) == 0
    assert "Rebuilt the rollups" in capsys.readouterr().out
    with engine.connect() as conn:
        assert rollups.rollup_rows(conn) == good


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(min_value=0, max_value=1e7, allow_nan=False), min_size=1, max_size=300),
    st.sampled_from([50, 90, 95, 99]),
)
def test_histogram_percentiles_stay_within_two_percent(values, q):
    exact = float(np.percentile(values, q))
    estimate = histogram.percentiles(histogram.add_values({}, values), [q])[q]
    assert math.isclose(estimate, exact, rel_tol=0.02, abs_tol=1e-9)
