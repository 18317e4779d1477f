"""The topic explorer's figures (metrics.topic_table) against raw SQL over hand-built sessions.

The period ends at :30, so both of its ends are partial hours read from the base tables, and the
days between come from the rollups: each figure is checked whichever way it was read.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from sqlalchemy import String, bindparam, text

from data import recording
from data.periods import custom_range, preset_period
from data.schema import UTCDateTime
from metrics.topic_table import SMALL_SAMPLE, TopicRow, ordered, topic_table
from tests.builders import Msg, Spec, build, sid

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")
START = NOW - timedelta(days=7)
M = timedelta(minutes=1)
D = timedelta(days=1)

SPECS = [
    # Several topics, two answers, rated 2, resolved: in the partial first hour of the period.
    Spec(sid(1), "client", START + 10 * M,
         [Msg("user", 0), Msg("assistant", 5, 200.0), Msg("user", 60), Msg("assistant", 65, 400.0)],
         topics=["billing", "login"], rating=2, resolved=True),
    # Escalated, never rated (login has no rating at all once sid(3) is left aside for clients).
    Spec(sid(2), "provider", START + 2 * D, [Msg("user", 0), Msg("assistant", 3, 900.0)],
         topics=["billing"], escalated=True),
    # Still open, rated: counts as a session and a rating, not in outcomes or messages.
    Spec(sid(3), "client", START + 3 * D, [Msg("user", 0), Msg("assistant", 2, 50.0)],
         topics=["login"], rating=4, closed_after_s=None),
    # Closed unresolved, no messages, no rating.
    Spec(sid(4), "anonymous", START + 4 * D + 7 * M, [], topics=["refunds"]),
    # In the partial last hour: resolved, an answer of 0 ms and one without a time.
    Spec(sid(5), "client", NOW - 20 * M, [Msg("assistant", 1, 0.0), Msg("assistant", 2, None)],
         topics=["billing"], rating=5, resolved=True, closed_after_s=60),
    # The previous period: billing once, login once.
    Spec(sid(6), "client", START - 2 * D, [Msg("user", 0)], topics=["billing", "login"]),
    # Before the previous period: counted nowhere.
    Spec(sid(7), "client", START - 30 * D, [Msg("user", 0)], topics=["billing"]),
]  # fmt: skip

TIMES = {"a": bindparam("a", type_=UTCDateTime), "b": bindparam("b", type_=UTCDateTime)}
TYPES = bindparam("types", expanding=True)
ALL_TYPES = ["client", "provider", "anonymous"]


def expected_rows(conn, start: datetime, end: datetime, user_type: str | None) -> dict[str, dict]:
    """Every figure of every topic, straight from the base tables."""
    out: dict[str, dict] = {}
    params = {"a": start, "b": end, "types": [user_type] if user_type else ALL_TYPES}
    total = conn.execute(
        text(
            "SELECT COUNT(*) FROM chat_sessions s WHERE s.created_at >= :a AND s.created_at < :b AND s.user_type IN :types"
        ).bindparams(TIMES["a"], TIMES["b"], TYPES),
        params,
    ).scalar_one()
    rows = conn.execute(
        text(
            """SELECT t.topic, COUNT(*), COUNT(a.session_id),
                   SUM(CASE WHEN a.resolved THEN 1 ELSE 0 END),
                   SUM(CASE WHEN a.escalated_to_human THEN 1 ELSE 0 END),
                   COUNT(s.satisfaction_rating), AVG(s.satisfaction_rating)
            FROM session_topics t JOIN chat_sessions s ON s.session_id = t.session_id
            LEFT JOIN chat_analytics a ON a.session_id = t.session_id
            WHERE s.created_at >= :a AND s.created_at < :b AND s.user_type IN :types GROUP BY t.topic"""
        ).bindparams(TIMES["a"], TIMES["b"], TYPES),
        params,
    ).all()
    for topic, n, closed, resolved, escalated, rated, avg in rows:
        out[topic] = {
            "sessions": n,
            "share": n / total * 100,
            "resolution_rate": resolved / closed * 100 if closed else None,
            "escalation_rate": escalated / closed * 100 if closed else None,
            "rating_count": rated,
            "avg_satisfaction": float(avg) if avg is not None else None,
        }
    # Messages of the closed sessions, per session of them with at least one message.
    for topic, messages, sessions in conn.execute(
        text(
            """SELECT t.topic, COUNT(*), COUNT(DISTINCT m.session_id)
            FROM session_topics t JOIN chat_sessions s ON s.session_id = t.session_id
            JOIN chat_analytics a ON a.session_id = t.session_id
            JOIN chat_messages m ON m.session_id = t.session_id
            WHERE s.created_at >= :a AND s.created_at < :b AND s.user_type IN :types GROUP BY t.topic"""
        ).bindparams(TIMES["a"], TIMES["b"], TYPES),
        params,
    ):
        out[topic]["messages_per_session"] = messages / sessions
    times: dict[str, list[float]] = {}
    for topic, ms in conn.execute(
        text(
            """SELECT t.topic, m.processing_time_ms
            FROM session_topics t JOIN chat_sessions s ON s.session_id = t.session_id
            JOIN chat_analytics a ON a.session_id = t.session_id
            JOIN chat_messages m ON m.session_id = t.session_id
            WHERE m.sender_type = 'assistant' AND m.processing_time_ms IS NOT NULL AND s.created_at >= :a AND s.created_at < :b AND s.user_type IN :types"""
        ).bindparams(TIMES["a"], TIMES["b"], TYPES),
        params,
    ):
        times.setdefault(topic, []).append(ms)
    for topic, row in out.items():
        values = times.get(topic)
        row.setdefault("messages_per_session", None)
        row["p50"] = float(np.percentile(values, 50)) if values else None
        row["p95"] = float(np.percentile(values, 95)) if values else None
    return out


def assert_rows_match(table, expected: dict[str, dict]) -> None:
    got = {r.topic: r for r in table.rows}
    assert set(got) == set(expected)
    for topic, want in expected.items():
        row = got[topic]
        assert row.sessions == want["sessions"], topic
        assert row.share == pytest.approx(want["share"]), topic
        for name in ("resolution_rate", "escalation_rate", "avg_satisfaction", "messages_per_session"):
            assert getattr(row, name) == pytest.approx(want[name]), (topic, name)
        assert row.rating_count == want["rating_count"], topic
        # From histograms: within 2% (the contract's bound); a 0 ms answer has a bucket of its own.
        for q in (50, 95):
            got_q, want_q = getattr(row, f"p{q}_response_time_ms"), want[f"p{q}"]
            assert (got_q is None) == (want_q is None), (topic, q)
            if want_q is not None:
                assert got_q == pytest.approx(want_q, rel=0.02, abs=1e-9), (topic, q)


@pytest.fixture
def built(engine):
    build(engine, SPECS)
    return engine


@pytest.mark.parametrize("preset", ["24h", "7d", "90d"])  # 90 days: week rows for the histograms
@pytest.mark.parametrize("user_type", [None, "client", "provider"])
def test_every_figure_of_every_topic_equals_raw_sql(built, user_type, preset):
    period = preset_period(preset, UTC_ZONE, NOW)
    with built.connect() as conn:
        table = topic_table(conn, period, user_type)
        expected = expected_rows(conn, period.start, period.end, user_type)
    assert expected or preset == "24h", "the fixture puts topics in every segment tested"
    assert_rows_match(table, expected)


def test_hand_computed_figures_of_the_whole_period(built):
    """The same figures written out by hand from the specs, so the raw SQL is checked too."""
    with built.connect() as conn:
        table = topic_table(conn, preset_period("7d", UTC_ZONE, NOW))
    rows = {r.topic: r for r in table.rows}
    assert table.total_sessions == 5
    billing, login, refunds = rows["billing"], rows["login"], rows["refunds"]
    assert (billing.sessions, billing.analysed, billing.resolved, billing.escalated) == (3, 3, 2, 1)
    assert billing.share == pytest.approx(60.0)
    assert billing.previous_sessions == 1 and billing.change.percent == pytest.approx(200.0)
    assert billing.avg_satisfaction == pytest.approx(3.5) and billing.rating_count == 2
    assert billing.messages_per_session == pytest.approx((4 + 2 + 2) / 3)
    assert billing.p95_response_time_ms == pytest.approx(np.percentile([200, 400, 900, 0], 95), rel=0.02)
    # The open session counts as a session and a rating, not in the rates.
    assert (login.sessions, login.analysed, login.rating_count) == (2, 1, 2)
    assert login.resolution_rate == 100.0 and login.avg_satisfaction == pytest.approx(3.0)
    # A topic with no rated session and no messages: no average, no percentiles, never an error.
    assert refunds.avg_satisfaction is None and refunds.rating_count == 0
    assert refunds.p95_response_time_ms is None and refunds.messages_per_session is None
    assert refunds.resolution_rate == 0.0 and refunds.unresolved_volume == 1.0
    assert refunds.previous_sessions == 0 and refunds.change.percent is None


def test_an_empty_period_has_no_rows(built):
    with built.connect() as conn:
        table = topic_table(conn, custom_range(date(2020, 1, 1), date(2020, 1, 31), UTC_ZONE))
    assert table.rows == () and table.total_sessions == 0 and len(table.buckets) == 31


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_daily_volume_per_local_day(built, zone):
    tz = ZoneInfo(zone)
    period = preset_period("7d", tz, NOW)
    with built.connect() as conn:
        table = topic_table(conn, period)
        created = conn.execute(
            text(
                """SELECT t.topic, s.created_at FROM session_topics t
                JOIN chat_sessions s ON s.session_id = t.session_id
                WHERE s.created_at >= :a AND s.created_at < :b"""
            )
            .bindparams(TIMES["a"], TIMES["b"])
            .columns(topic=String, created_at=UTCDateTime),
            {"a": period.start, "b": period.end},
        ).all()
    days = [b.date() for b in table.buckets]
    for row in table.rows:
        want = [0] * len(days)
        for topic, at in created:
            if topic == row.topic:
                want[days.index(at.astimezone(tz).date())] += 1
        assert list(row.daily) == want, row.topic


def test_late_topics_and_ratings_reach_the_figures(engine):
    t = START + D + 30 * M
    with engine.begin() as conn:
        recording.start_session(conn, session_id=sid(9), at=t, user_type="client")
        recording.set_satisfaction(conn, session_id=sid(9), rating=1, at=t)
        recording.record_topic(conn, session_id=sid(9), topic="late", at=t + M)  # after the rating
        recording.close_sessions(conn, [recording.Closing(sid(9), t + 2 * M)])
        recording.set_satisfaction(conn, session_id=sid(9), rating=3, at=t + 5 * M)  # after closing
    with engine.connect() as conn:
        (row,) = topic_table(conn, preset_period("7d", UTC_ZONE, NOW)).rows
    assert (row.topic, row.rating_count, row.avg_satisfaction, row.analysed) == ("late", 1, 3.0, 1)


def _row(topic: str, sessions: int, resolved: int, escalated: int, closed: int | None = None) -> TopicRow:
    closed = sessions if closed is None else closed
    return TopicRow(topic, sessions, None, 0, closed, resolved, escalated, 0, 0, 0, 0, 0, None, None, ())


def test_needs_attention_ranks_unresolved_volume_with_small_samples_last():
    big = SMALL_SAMPLE
    rows = [
        _row("a-small-all-unresolved", big - 1, 0, 5),
        _row("b", big * 10, big * 9, 1),  # unresolved volume 20
        _row("c", big * 2, 0, 0),  # 40
        _row("d", big * 4, big * 3, 7),  # 20, ties with b: by name
        _row("e-never-closed", big * 5, 0, 0, closed=0),  # no rate: after the ranked ones
    ]
    assert [r.topic for r in ordered(rows, "attention")] == [
        "c", "b", "d", "e-never-closed", "a-small-all-unresolved"
    ]  # fmt: skip
    assert [r.topic for r in ordered(rows, "escalations")] == [
        "d", "b", "c", "e-never-closed", "a-small-all-unresolved"
    ]  # fmt: skip
    assert [r.topic for r in ordered(rows, "sessions", descending=False)][0] == "a-small-all-unresolved"
