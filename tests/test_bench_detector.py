"""Injected incidents are in the seeded data (raw SQL against the same hours on other weekdays, and
against the same seed without incidents), and bench.detector runs end to end on a tiny setup."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import bindparam, create_engine, text

from bench import detector
from data import seed
from data.incidents import ESCALATIONS, FEWER_SESSIONS, SLOW_ANSWERS
from data.schema import UTCDateTime

NOW = datetime(2026, 11, 23, tzinfo=UTC)  # a Monday: 14 days back gives two whole weeks
SPAN = {"a": bindparam("a", type_=UTCDateTime), "b": bindparam("b", type_=UTCDateTime)}


def one(conn, sql: str, start: datetime, hours: int) -> float:
    query = text(sql).bindparams(*SPAN.values())
    return conn.execute(query, {"a": start, "b": start + timedelta(hours=hours)}).scalar() or 0


def answer_ms(conn, start: datetime, hours: int) -> tuple[float, int]:
    """Total and number of AI answer times from `start` for `hours` hours."""
    sql = (
        "SELECT {} FROM chat_messages WHERE sender_type = 'assistant' AND processing_time_ms IS NOT NULL"
        " AND created_at >= :a AND created_at < :b"
    )
    return one(conn, sql.format("SUM(processing_time_ms)"), start, hours), one(
        conn, sql.format("COUNT(*)"), start, hours
    )


def sessions(conn, start: datetime, hours: int, escalated: bool = False) -> int:
    sql = "SELECT COUNT(*) FROM chat_sessions s JOIN chat_analytics a ON a.session_id = s.session_id"
    sql += " WHERE s.created_at >= :a AND s.created_at < :b"
    return one(conn, sql + (" AND a.escalated_to_human = TRUE" if escalated else ""), start, hours)


def other_weekdays(incident) -> list[datetime]:
    """The same hour on every other weekday of the seeded fortnight."""
    days = [incident.start - timedelta(days=d) for d in range(-14, 15) if d]
    return [d for d in days if d.weekday() < 5 and NOW - timedelta(days=14) <= d < NOW]


def test_each_kind_of_incident_shows_in_its_hours_against_other_weekdays(engine):
    summary = seed.generate(engine, sessions=8_000, days=14, active=0, seed=5, now=NOW, incidents=3)
    by_kind = {i.kind: i for i in summary.incidents}
    assert set(by_kind) == {SLOW_ANSWERS, FEWER_SESSIONS, ESCALATIONS}
    for incident in summary.incidents:
        assert incident.start.weekday() < 5 and 9 <= incident.start.hour <= 14
    with engine.connect() as conn:
        slow = by_kind[SLOW_ANSWERS]
        total, count = answer_ms(conn, slow.start, 2)
        usual = [answer_ms(conn, d, 2) for d in other_weekdays(slow)]
        usual_mean = sum(t for t, _ in usual) / sum(n for _, n in usual)
        assert 2.5 <= (total / count) / usual_mean <= 3.5

        drop = by_kind[FEWER_SESSIONS]
        others = [sessions(conn, d, 3) for d in other_weekdays(drop)]
        assert 0.25 <= sessions(conn, drop.start, 3) / (sum(others) / len(others)) <= 0.55

        wave = by_kind[ESCALATIONS]
        rate = sessions(conn, wave.start, 1, escalated=True) / sessions(conn, wave.start, 1)
        days = other_weekdays(wave)
        usual_rate = sum(sessions(conn, d, 1, escalated=True) for d in days) / sum(
            sessions(conn, d, 1) for d in days
        )
        assert rate >= 2.5 * usual_rate and usual_rate < 0.12


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("detector")
    args = ["--sessions", "6000", "--days", "50", "--incidents", "3", "--seeds", "1"]
    assert detector.main([*args, "--keep", str(folder), "--output", str(folder / "result.json")]) == 0
    return folder, json.loads((folder / "result.json").read_text())


def test_the_bench_replays_eight_days_and_reports_every_incident(tiny_run):
    _, result = tiny_run
    (run,) = result["seeds"]
    assert [i["kind"] for i in run["incidents"]] == ["slow answers", "fewer sessions", "escalations"]
    starts = [datetime.fromisoformat(i["start"]) for i in run["incidents"]]
    assert all(NOW - timedelta(days=8) <= s < NOW for s in starts)
    assert run["weeks"] == pytest.approx(8 * 24 / 168)
    assert result["totals"]["found"] == sum(i["found"] for i in run["incidents"])
    assert result["totals"]["recall"] == pytest.approx(result["totals"]["found"] / 3)


def test_the_bench_data_without_incidents_differs_only_inside_them(tiny_run):
    folder, result = tiny_run
    starts = {i["kind"]: datetime.fromisoformat(i["start"]) for i in result["seeds"][0]["incidents"]}
    drop = (starts["fewer sessions"], starts["fewer sessions"] + timedelta(hours=3))

    def read(name: str):
        engine = create_engine(f"sqlite:///{folder / name}")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT session_id, created_at FROM chat_sessions ORDER BY 1")).all()
            slow = answer_ms(conn, starts["slow answers"], 2)
        engine.dispose()
        return {r[0]: datetime.fromisoformat(str(r[1])).replace(tzinfo=UTC) for r in rows}, slow

    (with_incidents, slow), (clean, usual) = read("incidents-1.db"), read("clean-1.db")
    assert set(with_incidents) < set(clean)
    left_out = {s for s, at in clean.items() if s not in with_incidents}
    assert left_out and all(drop[0] <= clean[s] < drop[1] for s in left_out)
    # The same answers, three times as slow (an answer can cross the window's edge as it slows).
    assert slow[0] / slow[1] == pytest.approx(3 * usual[0] / usual[1], rel=0.05)


def test_the_seed_command_injects_and_lists_incidents_and_refuses_too_many(database_url, capsys):
    assert (
        seed.main(["--sessions", "300", "--days", "10", "--incidents", "2", "--database-url", database_url])
        == 0
    )
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Seeded ") and len(out) == 3
    assert out[1].startswith("incident: slow answers (response times x3) ")
    assert out[2].startswith("incident: fewer sessions (sessions -60%) ")

    args = [
        "--sessions",
        "300",
        "--days",
        "3",
        "--incidents",
        "5",
        "--seed",
        "9",
        "--database-url",
        database_url,
    ]
    assert seed.main(args) == 1
    assert capsys.readouterr().err == "error: 5 incidents need 5 weekdays after the baseline; raise --days\n"
    assert seed.main([*args[:4], "--seed", "9", "--database-url", database_url]) == 0  # nothing was left
    with pytest.raises(SystemExit) as exit_info:
        seed.main(["--incidents", "-1", "--database-url", database_url])
    assert exit_info.value.code == 2
