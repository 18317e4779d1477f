"""AnalyticsTracker and the write path, checked with raw SQL."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from data.engagement import engagement_score
from data.recording import RecordingError
from data.tracker import AnalyticsTracker, AnalyticsWriter


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def writer(engine):
    w = AnalyticsWriter(engine)
    yield w
    w.shutdown()


def _analytics(engine, session_id: str) -> dict:
    with engine.connect() as conn:
        row = (
            conn.execute(text("SELECT * FROM chat_analytics WHERE session_id = :s"), {"s": session_id})
            .mappings()
            .one()
        )
    row = dict(row)
    for key in ("topics_discussed", "actions_taken"):
        if isinstance(row[key], str):
            row[key] = json.loads(row[key])
    return row


def test_a_session_end_to_end(engine, writer):
    clock = Clock()
    t = AnalyticsTracker.start(engine, writer, user_type="client", clock=clock)
    for i in range(3):
        t.record_message("user", f"question {i}")
        clock.advance(20)
        t.record_message(
            "assistant", f"answer {i}", processing_time_ms=[100.0, 300.0, None][i], cached=i == 2
        )
        clock.advance(40)
    t.record_message("system", "an agent will join")
    t.record_topic("billing")
    t.record_topic("refunds")
    t.record_topic("billing")  # kept once
    t.record_action("link_click", "/billing")
    t.record_action("service_view")
    t.mark_resolved()
    t.set_satisfaction(4)
    clock.advance(120)  # 300 s after start in all
    t.close()
    assert writer.flush(10)

    row = _analytics(engine, t.session_id)
    assert (row["total_messages"], row["user_messages"], row["assistant_messages"]) == (7, 3, 3)
    assert row["average_response_time_ms"] == pytest.approx(200.0)  # nulls ignored
    assert row["topics_discussed"] == ["billing", "refunds"]
    assert [a["type"] for a in row["actions_taken"]] == ["link_click", "service_view"]
    assert row["actions_taken"][0]["target"] == "/billing"
    assert bool(row["resolved"]) and not bool(row["escalated_to_human"])
    # 40 * 3/10 + 25 * 2/5 + 15 * 2/3 + 20 * 300/600 = 12 + 10 + 10 + 10
    assert row["engagement_score"] == pytest.approx(42.0)
    with engine.connect() as conn:
        s = conn.execute(
            text("SELECT is_active, satisfaction_rating, closed_at FROM chat_sessions WHERE session_id = :s"),
            {"s": t.session_id},
        ).one()
        cached = conn.execute(text("SELECT COUNT(*) FROM chat_messages WHERE is_cached_response")).scalar()
    assert not s.is_active and s.satisfaction_rating == 4 and s.closed_at is not None
    assert cached == 1


def test_messages_are_stored_as_they_happen(engine, writer):
    t = AnalyticsTracker.start(engine, writer)
    t.record_message("user", "hello")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM chat_messages")).scalar() == 1
        assert conn.execute(text("SELECT user_type FROM chat_sessions")).scalar() == "anonymous"
        assert conn.execute(text("SELECT COUNT(*) FROM chat_analytics")).scalar() == 0


def test_close_twice_and_disconnect_after_close_are_harmless(engine, writer):
    t = AnalyticsTracker.start(engine, writer)
    t.record_message("user", "bye")
    t.close()
    t.close()
    t.disconnect()
    assert writer.flush(10)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM chat_analytics")).scalar() == 1
    with pytest.raises(RecordingError, match="closed"):
        t.record_message("user", "too late")


def test_disconnect_saves_analytics(engine, writer):
    t = AnalyticsTracker.start(engine, writer, user_type="provider")
    t.record_message("user", "hi")
    t.disconnect()
    assert writer.flush(10)
    assert _analytics(engine, t.session_id)["user_messages"] == 1


def test_nothing_lost_at_shutdown(engine):
    writer = AnalyticsWriter(engine, batch_size=7)
    trackers = [AnalyticsTracker.start(engine, writer) for _ in range(60)]
    for t in trackers:
        t.record_message("user", "hi")
        t.close()
    assert writer.shutdown(30)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM chat_analytics")).scalar() == 60
        assert conn.execute(text("SELECT COUNT(*) FROM chat_sessions WHERE is_active")).scalar() == 0
    with pytest.raises(RuntimeError):
        writer.submit(trackers[0])


def test_concurrent_sessions(engine, writer):
    errors: list[BaseException] = []

    def chat(n: int) -> None:
        try:
            for _ in range(5):
                t = AnalyticsTracker.start(engine, writer, user_type="client")
                for i in range(n):
                    t.record_message("user", "q")
                    t.record_message("assistant", "a", processing_time_ms=10.0 * (i + 1))
                t.record_topic(f"topic {n}")
                t.close()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=chat, args=(n,)) for n in range(1, 7)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    assert writer.flush(30)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT a.total_messages, COUNT(m.message_id) FROM chat_analytics a "
                "JOIN chat_messages m ON m.session_id = a.session_id GROUP BY a.session_id, a.total_messages"
            )
        ).all()
        assert conn.execute(text("SELECT COUNT(*) FROM chat_messages")).scalar() == 5 * 2 * sum(range(1, 7))
    assert len(rows) == 30
    assert all(stored == counted for stored, counted in rows)


def test_a_known_user_brings_their_type(engine, writer):
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (username, user_type, is_staff, is_active, created_at) "
                "VALUES ('pat', 'provider', false, true, '2026-01-01 00:00:00')"
            )
        )
        uid = conn.execute(text("SELECT id FROM users WHERE username = 'pat'")).scalar()
    t = AnalyticsTracker.start(engine, writer, user_id=uid)
    with engine.connect() as conn:
        assert conn.execute(
            text("SELECT user_type, user_id FROM chat_sessions WHERE session_id = :s"), {"s": t.session_id}
        ).one() == ("provider", uid)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda t: t.record_message("robot", "x"), "sender_type"),
        (lambda t: t.record_message("assistant", "x", processing_time_ms=-1), "processing_time_ms"),
        (lambda t: t.set_satisfaction(6), "rating"),
        (lambda t: t.set_satisfaction(0), "rating"),
        (lambda t: t.record_topic("  "), "topic"),
        (lambda t: t.record_action(""), "action"),
        # Neither database stores these: refused up front, not a driver error mid-transaction.
        (lambda t: t.record_message("user", "nul \x00 here"), "NUL"),
        (lambda t: t.record_message("user", "half \ud800 pair"), "surrogate"),
        (lambda t: t.record_message("user", "x", metadata={"score": float("nan")}), "NaN"),
        (lambda t: t.record_message("user", "x", metadata={"k": ["\x00"]}), "NUL"),
        (lambda t: t.record_topic("bill\x00ing"), "NUL"),
        (lambda t: t.record_action("link_click", "/x\x00"), "NUL"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(engine, writer, call, message):
    t = AnalyticsTracker.start(engine, writer)
    with pytest.raises(RecordingError, match=message):
        call(t)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM chat_messages")).scalar() == 0
        assert conn.execute(text("SELECT satisfaction_rating FROM chat_sessions")).scalar() is None


def test_unknown_session_is_refused(engine, writer):
    t = AnalyticsTracker(engine, writer, "00000000-0000-4000-8000-000000000000")
    with pytest.raises(RecordingError, match="unknown session"):
        t.record_message("user", "hello?")


@pytest.mark.parametrize(
    ("args", "score"),
    [
        ((0, 0, 0, 0), 0.0),
        ((10, 5, 3, 600), 100.0),
        ((25, 9, 7, 7200), 100.0),  # every term is capped
        ((1, 0, 0, 1.5), 4.1),  # 4.05 rounds half-up
        ((3, 1, 1, 90), 25.0),  # 12 + 5 + 5 + 3
        ((0, 0, 1, 0), 5.0),
        ((0, 0, 2, 0), 10.0),
    ],
)
def test_engagement_formula(args, score):
    assert engagement_score(*args) == score
