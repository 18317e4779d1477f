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
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from data import histogram, recording, rollups, seed
from data.schema import chat_analytics, chat_messages, chat_sessions, rollup_hour_p95, session_topics
from data.tracker import AnalyticsTracker, AnalyticsWriter
from metrics.percentiles import from_histogram
from tests.builders import Msg, Spec, build, sid
from tests.conftest import TEST_DATABASE_URL
from web.context import services_of

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


def test_each_hour_s_kept_p95_is_numpy_s_over_its_answers(engine):
    """rollup_hour_p95 against the raw answers: per UTC hour, per user type and for all of them,
    numpy's 95th percentile of each answer's histogram representative, and the answers counted."""
    import numpy as np

    from data.cover import HOUR, epoch

    seed.generate(engine, sessions=400, days=5, active=6, seed=3, now=NOW)
    answers: dict[tuple[int, str], list[float]] = {}
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT m.created_at, s.user_type, m.processing_time_ms FROM chat_messages m "
                "JOIN chat_sessions s ON s.session_id = m.session_id "
                "WHERE m.sender_type = 'assistant' AND m.processing_time_ms IS NOT NULL"
            )
        ).all()
        kept = {
            (int(start), user_type): (int(n), p95)
            for start, user_type, n, p95 in conn.execute(
                text("SELECT start, user_type, n, p95 FROM rollup_hour_p95")
            )
        }
    for created, user_type, ms in rows:
        created = created if isinstance(created, datetime) else datetime.fromisoformat(created)
        hour = epoch(created.replace(tzinfo=UTC) if created.tzinfo is None else created) // HOUR * HOUR
        value = histogram.representative(histogram.bucket_of(ms))
        for key in ((hour, user_type), (hour, "*")):
            answers.setdefault(key, []).append(value)
    assert len(answers) > 100 and set(kept) == set(answers)
    for key, values in answers.items():
        n, p95 = kept[key]
        assert n == len(values), key
        assert p95 == pytest.approx(float(np.percentile(values, 95)), rel=1e-12), key


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
    # Per topic (rollup_topics' counters in data.schema.TOPIC_COUNTERS order): sid(1)'s rating moved
    # from 2 to 4 after it closed; sid(3) is open, so only its session and its rating count.
    topics = {(row[0], row[1], row[2], row[3]): row[4:] for row in rebuilt["rollup_topics"]}
    assert topics[("h", hour, "client", "login")] == (1, 1, 1, 0, 0, 1, 4, 4, 1)
    assert topics[("d", rollups.bucket_start(t, 86_400) + 86_400, "anonymous", "api")] == (
        1,
        0,
        0,
        0,
        0,
        1,
        1,
        0,
        0,
    )
    answers = Counter()
    for grain, _, user_type, topic, _, n in rebuilt["rollup_topic_response"]:
        answers[(grain, user_type, topic)] += n
    assert answers[("d", "client", "billing")] == 2 and answers[("h", "provider", "billing")] == 1


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
    engine = services_of(app.server).engine
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


def test_messages_arriving_in_several_batches_out_of_order_keep_rollups_consistent(make_app):
    """A session's messages spread over hours with gaps, sent in shuffled batches: each batch's
    hours fall before, between and after the hours stored by earlier ones."""
    import random

    app = make_app(ingest_tokens=(TOKEN,))
    engine = services_of(app.server).engine
    rng = random.Random(7)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=30)
    sessions = [str(uuid.uuid4()) for _ in range(4)]

    def ev(kind, session, at, **fields):
        return {
            "event_id": str(uuid.uuid4()),
            "type": kind,
            "session_id": session,
            "at": at.isoformat(),
            **fields,
        }

    starts = [
        ev("session_started", s, start, user_type=("client", "provider")[i % 2])
        for i, s in enumerate(sessions)
    ]
    messages = [
        ev("message", s, start + timedelta(hours=hour, minutes=rng.randrange(60)), sender_type="assistant",
           content="x", processing_time_ms=float(rng.randrange(10, 5000)))
        for s in sessions
        for hour in rng.sample(range(1, 25), 9)
        for _ in range(rng.randrange(1, 3))
    ]  # fmt: skip
    rng.shuffle(messages)
    client = app.server.test_client()
    batches = [starts, *(messages[k::3] for k in range(3))]
    for batch in batches:
        response = client.post(
            "/api/v1/events",
            data=json.dumps({"events": batch}),
            headers={"Authorization": f"Bearer {TOKEN}"},
            content_type="application/json",
        )
        assert response.status_code == 200, response.get_data(as_text=True)
    rebuilt = assert_consistent(engine)
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(chat_messages)).scalar_one()
    assert stored == len(messages)
    assert sum(row[4] for row in rebuilt["rollup_response"] if row[0] == "h") == len(messages)


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
    estimate = from_histogram(histogram.add_values({}, values), [q])[q]
    assert math.isclose(estimate, exact, rel_tol=0.02, abs_tol=1e-9)


# --- metrics read from the rollups equal the base tables, edges included ---------------------------


@pytest.fixture(scope="module")
def seeded_sqlite(tmp_path_factory):
    """One seeded SQLite database shared by the read checks (they only read)."""
    from data.db import create_engine, upgrade_schema

    engine = create_engine(f"sqlite:///{tmp_path_factory.mktemp('rollups') / 'seeded.db'}")
    upgrade_schema(engine)
    # 30 days: back past the end of summer time in Europe (25 October) and the US (1 November).
    seed.generate(engine, sessions=3_000, days=30, active=40, seed=11, now=NOW)
    return engine


def raw_figures(conn, start: datetime, end: datetime, user_type: str | None) -> dict:
    """The contract's figures over [start, end), straight from the base tables."""
    s, m, a, t = chat_sessions.c, chat_messages.c, chat_analytics.c, session_topics.c
    in_sessions = [s.created_at >= start, s.created_at < end] + (
        [s.user_type == user_type] if user_type else []
    )
    joined = chat_messages.join(chat_sessions, s.session_id == m.session_id)
    in_messages = [m.created_at >= start, m.created_at < end] + (
        [s.user_type == user_type] if user_type else []
    )
    messages = conn.execute(
        select(m.sender_type, m.session_id, m.processing_time_ms).select_from(joined).where(*in_messages)
    ).all()
    ratings = (
        conn.execute(select(s.satisfaction_rating).where(*in_sessions, s.satisfaction_rating.is_not(None)))
        .scalars()
        .all()
    )
    analysed = conn.execute(
        select(a.resolved, a.escalated_to_human, a.engagement_score)
        .select_from(chat_analytics.join(chat_sessions, s.session_id == a.session_id))
        .where(*in_sessions)
    ).all()
    topics = conn.execute(
        select(t.topic, a.resolved)
        .select_from(
            session_topics.join(chat_sessions, s.session_id == t.session_id).outerjoin(
                chat_analytics, a.session_id == t.session_id
            )
        )
        .where(*in_sessions)
    ).all()
    times = [ms for sender, _, ms in messages if sender == "assistant" and ms is not None]
    return {
        "sessions": conn.execute(select(func.count()).where(*in_sessions)).scalar_one(),
        "active": conn.execute(select(func.count()).where(*in_sessions, s.is_active)).scalar_one(),
        "by_sender": {k: sum(1 for r in messages if r[0] == k) for k in ("user", "assistant", "system")},
        "with_messages": len({r[1] for r in messages}),
        "times": times,
        "ratings": Counter(ratings),
        "analysed": len(analysed),
        "resolved": sum(1 for r in analysed if r[0]),
        "escalated": sum(1 for r in analysed if r[1]),
        "engagement": sum(r[2] for r in analysed),
        "topics": Counter(r[0] for r in topics),
        "issues": Counter(r[0] for r in topics if r[1] is False),
        "user_types": Counter(conn.execute(select(s.user_type).where(*in_sessions)).scalars()),
    }


PERIODS = [
    ("7d", "UTC", None),
    ("24h", "Europe/Paris", "client"),
    ("30d", "Asia/Kolkata", "provider"),
    ("days", "Asia/Kolkata", None),  # whole local days starting at :30 UTC
    ("days", "America/New_York", "anonymous"),
    ("days across DST", "Europe/Paris", None),
    ("days across DST", "America/New_York", "client"),
    ("24h across DST", "America/New_York", None),
]


def period_for(kind: str, zone: str):
    """A preset ending at an odd moment (partial hours at both ends, read from the base tables), or
    whole local days."""
    from zoneinfo import ZoneInfo

    from data.periods import custom_range, preset_period

    tz = ZoneInfo(zone)
    if kind == "days":
        return custom_range((NOW - timedelta(days=9)).date(), (NOW - timedelta(days=2)).date(), tz)
    if kind == "days across DST":  # local days of 25 hours on 25 October (Paris), 1 November (US)
        return custom_range(date(2026, 10, 22), date(2026, 11, 4), tz)
    if kind == "24h across DST":  # local hours on both sides of 06:00 UTC, 1 November
        return preset_period("24h", tz, datetime(2026, 11, 1, 17, 41, 7, 250, tzinfo=UTC))
    return preset_period(kind, tz, NOW - timedelta(hours=2, minutes=17, seconds=23, microseconds=500))


@pytest.mark.parametrize(("kind", "zone", "user_type"), PERIODS)
def test_metrics_from_rollups_equal_the_base_tables(seeded_sqlite, monkeypatch, kind, zone, user_type):
    import metrics

    period = period_for(kind, zone)
    monkeypatch.setattr(metrics.quality, "EXACT_PERCENTILE_LIMIT", 0)  # percentiles from the histograms
    with seeded_sqlite.connect() as conn:
        raw = raw_figures(conn, period.start, period.end, user_type)
        got = metrics.summary(conn, period, user_type)
    assert raw["sessions"] > 20 and raw["times"]  # the period holds data
    assert (got.sessions.total, got.sessions.active) == (raw["sessions"], raw["active"])
    assert got.messages.by_sender == raw["by_sender"]
    assert got.messages.sessions_with_messages == raw["with_messages"]
    assert got.response_times.count == len(raw["times"])
    assert got.response_times.average == pytest.approx(np.mean(raw["times"]), abs=1e-3)
    for q in metrics.PERCENTILES:
        exact = float(np.percentile(raw["times"], q))
        assert abs(got.response_times.p(q) - exact) <= histogram.MAX_RELATIVE_ERROR * exact + 1e-9
    assert got.satisfaction.distribution == {r: raw["ratings"].get(r, 0) for r in range(1, 6)}
    assert got.outcomes.analysed == raw["analysed"]
    assert got.outcomes.resolution_rate == pytest.approx(100 * raw["resolved"] / raw["analysed"])
    assert got.outcomes.escalation_rate == pytest.approx(100 * raw["escalated"] / raw["analysed"])
    assert got.outcomes.average_engagement == pytest.approx(raw["engagement"] / raw["analysed"])
    expected_top = sorted(raw["topics"].items(), key=lambda tc: (-tc[1], tc[0]))[:10]
    assert [(tc.topic, tc.count) for tc in got.top_topics] == expected_top
    expected_issues = sorted(raw["issues"].items(), key=lambda tc: (-tc[1], tc[0]))[:10]
    assert [(tc.topic, tc.count) for tc in got.common_issues] == expected_issues
    assert {k: v for k, v in got.user_types.items() if v} == dict(raw["user_types"])
    assert sum(n for _, n in got.peak_hours) == sum(raw["by_sender"].values())


@pytest.mark.parametrize(("kind", "zone", "user_type"), PERIODS)
def test_response_time_series_from_rollups_per_local_bucket(
    seeded_sqlite, monkeypatch, kind, zone, user_type
):
    import pandas as pd

    import metrics

    period = period_for(kind, zone)
    tz = period.tz
    monkeypatch.setattr(metrics.quality, "EXACT_PERCENTILE_LIMIT", 0)
    s, m = chat_sessions.c, chat_messages.c
    with seeded_sqlite.connect() as conn:
        rows = conn.execute(
            select(m.created_at, m.processing_time_ms)
            .select_from(chat_messages.join(chat_sessions, s.session_id == m.session_id))
            .where(
                m.created_at >= period.start,
                m.created_at < period.end,
                m.sender_type == "assistant",
                m.processing_time_ms.is_not(None),
                *([s.user_type == user_type] if user_type else []),
            )
        ).all()
        series = metrics.response_time_series(conn, period, user_type)
    frame = pd.DataFrame(rows, columns=["at", "ms"])
    local = pd.to_datetime(frame["at"], utc=True).dt.tz_convert(tz)
    keys = local.dt.floor("h") if period.hourly else local.dt.strftime("%Y-%m-%d")
    expected = frame.groupby(keys)["ms"]
    got_keys = series["at"] if period.hourly else series["at"].dt.strftime("%Y-%m-%d")
    got = dict(zip(got_keys, series.itertuples(), strict=True))
    assert sum(series["count"]) == len(frame) > 0
    for key, values in expected:
        row = got[key]
        assert row.count == len(values)
        assert row.average == pytest.approx(values.mean(), abs=1e-3)
        for q in (50, 95):
            exact = float(np.percentile(values, q))
            assert abs(getattr(row, f"p{q}") - exact) <= histogram.MAX_RELATIVE_ERROR * exact + 1e-9


def test_the_first_hour_after_a_dst_change_keeps_its_answers_in_a_rolling_period(engine, monkeypatch):
    from zoneinfo import ZoneInfo

    import metrics
    from data.periods import preset_period

    # 29 March 2026, Paris: 02:00 local does not exist; 01:00 UTC is 03:00 summer time.
    build(
        engine,
        [
            Spec(
                sid(1), "client", datetime(2026, 3, 29, 0, 20, tzinfo=UTC), [Msg("assistant", 60, ms=100.0)]
            ),
            Spec(
                sid(2), "client", datetime(2026, 3, 29, 1, 20, tzinfo=UTC), [Msg("assistant", 60, ms=900.0)]
            ),
            Spec(
                sid(3), "client", datetime(2026, 3, 29, 1, 40, tzinfo=UTC), [Msg("assistant", 60, ms=700.0)]
            ),
        ],
    )
    monkeypatch.setattr(metrics.quality, "EXACT_PERCENTILE_LIMIT", 0)  # the rollup path
    # A rolling period starts at an odd second; the zone's change must still fall at 01:00 UTC.
    period = preset_period("24h", ZoneInfo("Europe/Paris"), datetime(2026, 3, 29, 17, 41, 7, 250, tzinfo=UTC))
    with engine.connect() as conn:
        series = metrics.response_time_series(conn, period)
    got = {row.at.strftime("%H:%M %Z"): (row.count, row.average) for row in series.itertuples() if row.count}
    assert got == {"01:00 CET": (1, 100.0), "03:00 CEST": (2, 800.0)}


@pytest.mark.parametrize(("zone", "user_type"), [("UTC", None), ("America/New_York", "client")])
def test_a_months_response_histogram_from_week_day_and_hour_rows_is_its_answers_bucketed(
    seeded_sqlite, zone, user_type
):
    """Whole weeks come from week rows, the days and hours around them from day and hour rows: every
    answer of the period is counted in its bucket once (against the raw times, bucketed here)."""
    from metrics.spans import cover_for, edge_response_stats, response_histogram

    period = period_for("30d", zone)
    spans = cover_for(period, user_type, days=True)
    first_week = -(-spans.days[0] // rollups.WEEK) * rollups.WEEK
    assert first_week + rollups.WEEK <= spans.days[1]  # at least one whole week is read from week rows
    with seeded_sqlite.connect() as conn:
        raw = raw_figures(conn, period.start, period.end, user_type)
        got = response_histogram(conn, spans, user_type)
        for _, _, hist in edge_response_stats(conn, period, spans, user_type).values():
            for b, n in hist.items():
                got[b] = got.get(b, 0) + n
    assert got == histogram.add_values({}, raw["times"])


def test_the_migration_sums_each_week_from_its_days(tmp_path):
    from data.db import create_engine, upgrade_schema

    engine = create_engine(f"sqlite:///{tmp_path / 'weeks.db'}")
    upgrade_schema(engine, "0011")  # not head: later migrations must find their own work undone
    rollup_hour_p95.create(engine)  # today's write path keeps it (migration 0014, dropped below)
    seed.generate(engine, sessions=300, days=30, active=5, seed=3, now=NOW)
    week = "SELECT user_type, bucket, start, n FROM rollup_response WHERE grain = 'w' ORDER BY 1, 2, 3"
    with engine.begin() as conn:
        kept = conn.execute(text(week)).all()
        by_days = conn.execute(
            text(
                "SELECT user_type, bucket, (start / 604800) * 604800, SUM(n) FROM rollup_response "
                "WHERE grain = 'd' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
            )
        ).all()
        # A database as 0010 left it: no week rows.
        conn.execute(text("DELETE FROM rollup_response WHERE grain = 'w'"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0010'"))
    assert kept == by_days and len(kept) > 10  # the write path kept the weeks
    rollup_hour_p95.drop(engine)
    upgrade_schema(engine)
    with engine.connect() as conn:
        assert conn.execute(text(week)).all() == kept  # the migration puts them back from the days
    # 0014 filled each hour's p95 from the histograms the database already had, as a rebuild does.
    migrated, rebuilt = incremental_and_rebuilt(engine)
    assert len(rebuilt["rollup_hour_p95"]) > 50 and migrated["rollup_hour_p95"] == rebuilt["rollup_hour_p95"]


@pytest.mark.parametrize(
    ("kind", "zone", "user_type"),
    [
        ("30d", "America/New_York", None),  # across the end of US summer time
        ("days across DST", "Europe/Paris", "client"),
        ("30d", "Asia/Tokyo", "provider"),  # east of UTC: hours move to the next local day
        ("7d", "UTC", None),
    ],
)
def test_local_day_histograms_are_each_local_days_answers_bucketed(seeded_sqlite, kind, zone, user_type):
    """Day rows moved to local days, corrected by the hours that belong to a neighbour: each local
    day's histogram holds exactly its own answers (bucketed here from the raw rows)."""
    from collections import Counter

    from metrics.local_histograms import local_day_histograms
    from metrics.localtime import local_key
    from metrics.spans import cover_for

    period = period_for(kind, zone)
    spans = cover_for(period, user_type, days=True)
    assert spans.days and spans.hours is not None
    s, m = chat_sessions.c, chat_messages.c
    whole = [(lo, hi) for lo, hi in spans.hours] + [spans.days]
    with seeded_sqlite.connect() as conn:
        got = local_day_histograms(conn, period, spans, user_type)
        rows = conn.execute(
            select(m.created_at, m.processing_time_ms)
            .select_from(chat_messages.join(chat_sessions, s.session_id == m.session_id))
            .where(
                m.sender_type == "assistant",
                m.processing_time_ms.is_not(None),
                *([s.user_type == user_type] if user_type else []),
            )
        ).all()
    expected: dict[int, Counter] = {}
    for at, ms in rows:
        seconds = int(at.timestamp())
        if any(lo <= seconds < hi for lo, hi in whole):
            day = local_key(at.astimezone(period.tz), 86_400)
            expected.setdefault(day, Counter())[histogram.bucket_of(ms)] += 1
    assert len(expected) >= 5
    assert got == {day: dict(hist) for day, hist in expected.items()}


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="TEST_DATABASE_URL (PostgreSQL) not set")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_writers_of_one_hour_leave_its_all_types_p95_with_both_their_answers(engine):
    """Two writers of different user types share no rollup row but the hour's all-types p95: the
    second waits for the first to commit, then reads its answers too (else the kept p95 would miss
    them until the next write of that hour)."""
    from data.cover import epoch

    hour = datetime(2026, 11, 20, 10, tzinfo=UTC)
    first = engine.connect()
    transaction = first.begin()
    with rollups.batched(first) as deltas:
        for minute in range(3):
            deltas.message(hour + timedelta(minutes=minute), "client", "assistant", 1000.0)
    done = threading.Event()

    def second() -> None:
        with engine.begin() as conn, rollups.batched(conn) as deltas:
            deltas.message(hour + timedelta(minutes=30), "provider", "assistant", 9000.0)
        done.set()

    writer = threading.Thread(target=second)
    writer.start()
    assert not done.wait(1.0), "the second writer did not wait for the first"
    transaction.commit()
    first.close()
    writer.join(10)
    assert done.is_set()
    with engine.connect() as conn:
        n, p95 = conn.execute(
            text("SELECT n, p95 FROM rollup_hour_p95 WHERE start = :start AND user_type = '*'"),
            {"start": epoch(hour)},
        ).one()
    values = [histogram.representative(histogram.bucket_of(ms)) for ms in (1000.0, 1000.0, 1000.0, 9000.0)]
    assert n == 4
    assert p95 == pytest.approx(float(np.percentile(values, 95)), rel=1e-12)
