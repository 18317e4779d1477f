"""The demo-data generator: deterministic, shaped like a real support queue, and a clean CLI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select, text

from data import seed
from data.schema import chat_messages, chat_sessions, rollup_hours
from tests.conftest import TEST_DATABASE_URL

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def scalar(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def rows(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).all()


@pytest.fixture
def seeded(engine):
    summary = seed.generate(engine, sessions=1_500, days=30, active=7, seed=7, now=NOW)
    return engine, summary


def test_same_seed_same_data_other_seed_other_data(tmp_path):
    from data.db import create_engine, upgrade_schema

    def snapshot(name: str, seed_value: int):
        engine = create_engine(f"sqlite:///{tmp_path / name}")
        upgrade_schema(engine)
        seed.generate(engine, sessions=300, days=10, active=2, seed=seed_value, now=NOW)
        sessions = rows(
            engine,
            "SELECT session_id, user_type, created_at, satisfaction_rating FROM chat_sessions ORDER BY 1",
        )
        messages = rows(
            engine, "SELECT message_id, content, processing_time_ms FROM chat_messages ORDER BY 1"
        )
        engine.dispose()
        return sessions, messages

    first, again, other = snapshot("a.db", 1), snapshot("b.db", 1), snapshot("c.db", 2)
    assert first == again
    assert {r[0] for r in first[0]}.isdisjoint({r[0] for r in other[0]})


def test_counts_match_the_summary_and_open_sessions_have_no_analytics(seeded):
    engine, summary = seeded
    assert scalar(engine, "SELECT COUNT(*) FROM chat_sessions") == summary.sessions == 1_500
    assert scalar(engine, "SELECT COUNT(*) FROM chat_messages") == summary.messages
    assert 10 <= summary.messages / summary.sessions <= 20
    assert scalar(engine, "SELECT COUNT(*) FROM chat_sessions WHERE is_active = :t", t=True) == 7
    assert scalar(engine, "SELECT COUNT(*) FROM chat_analytics") == 1_500 - 7
    orphans = scalar(
        engine,
        "SELECT COUNT(*) FROM chat_sessions s JOIN chat_analytics a ON a.session_id = s.session_id"
        " WHERE s.is_active = :t",
        t=True,
    )
    assert orphans == 0
    recent = NOW - timedelta(minutes=seed.ACTIVE_WINDOW_MINUTES)
    opened = [r[0] for r in rows(engine, "SELECT created_at FROM chat_sessions WHERE is_active = :t", t=True)]
    assert all(str(recent.replace(tzinfo=None)) <= str(o).replace("T", " ")[:26] for o in opened)


def test_shape_tells_a_story(seeded):
    engine, _ = seeded
    types = dict(rows(engine, "SELECT user_type, COUNT(*) FROM chat_sessions GROUP BY user_type"))
    assert set(types) == {"client", "provider", "anonymous"}
    assert types["client"] > types["provider"] > 0
    assert 12 <= scalar(engine, "SELECT COUNT(DISTINCT topic) FROM session_topics") <= 20
    first, last = rows(engine, "SELECT MIN(created_at), MAX(created_at) FROM chat_messages")[0]
    assert str(first) >= str((NOW - timedelta(days=30)).replace(tzinfo=None))
    assert str(last) <= str(NOW.replace(tzinfo=None))

    closed = scalar(engine, "SELECT COUNT(*) FROM chat_analytics")
    resolved = scalar(engine, "SELECT COUNT(*) FROM chat_analytics WHERE resolved = :t", t=True)
    escalated = scalar(engine, "SELECT COUNT(*) FROM chat_analytics WHERE escalated_to_human = :t", t=True)
    assert 0.6 <= resolved / closed <= 0.8
    assert 0.04 <= escalated / closed <= 0.12
    ratings = [
        r[0]
        for r in rows(
            engine, "SELECT satisfaction_rating FROM chat_sessions WHERE satisfaction_rating IS NOT NULL"
        )
    ]
    assert 0.35 <= len(ratings) / 1_500 <= 0.55
    assert np.mean(ratings) > 3.5

    times = np.array(
        [
            r[0]
            for r in rows(
                engine, "SELECT processing_time_ms FROM chat_messages WHERE sender_type = 'assistant'"
            )
        ]
    )
    assert scalar(engine, "SELECT COUNT(*) FROM chat_messages WHERE is_cached_response = :t", t=True) > 0
    assert np.percentile(times, 95) > 2 * np.median(times)

    hours = [int(str(r[0])[11:13]) for r in rows(engine, "SELECT created_at FROM chat_messages")]
    day = sum(10 <= h < 16 for h in hours)
    night = sum(0 <= h < 6 for h in hours)
    assert day > 3 * night


def test_cli_prints_summary_refuses_the_same_seed_twice_and_checks_arguments(database_url, capsys):
    assert (
        seed.main(["--sessions", "200", "--days", "5", "--active", "3", "--database-url", database_url]) == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("Seeded 200 sessions (3 active)")

    assert seed.main(["--sessions", "200", "--database-url", database_url]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "seed 42" in err and "Traceback" not in err

    for bad in (["--sessions", "-5"], ["--sessions", "3", "--active", "4"], ["--days", "0"], ["--seed", "x"]):
        with pytest.raises(SystemExit) as exit_info:
            seed.main([*bad, "--database-url", database_url])
        assert exit_info.value.code == 2


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="TEST_DATABASE_URL (PostgreSQL) not set")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_seeding_postgresql_leaves_the_planner_its_statistics(engine):
    # A table never analysed has reltuples -1 and the planner guesses (it then scanned every
    # session to count the open ones); ANALYZE of a small table counts every row.
    seed.generate(engine, sessions=300, days=5, active=4, seed=3, now=NOW)
    sizes = rows(
        engine,
        "SELECT relname, reltuples FROM pg_class WHERE oid IN "
        "('chat_sessions'::regclass, 'chat_messages'::regclass, 'rollup_hours'::regclass)",
    )
    with engine.connect() as conn:
        counted = {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (chat_sessions, chat_messages, rollup_hours)
        }
    assert {name: int(n) for name, n in sizes} == counted
