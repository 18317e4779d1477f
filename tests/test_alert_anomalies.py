"""Anomalies: a figure far from the same hour of the week in the previous weeks is flagged (median and
MAD, one past incident does not hide it); a usual one is not; too little history says nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alerts.anomalies import detect
from alerts.check import run_once
from alerts.rules import create_rule, validate_rule
from config import Config
from tests.builders import Msg, Spec, build, sid

NOW = datetime(2026, 11, 20, 10, 5, tzinfo=UTC)  # the last completed hour: Friday 09:00-10:00 UTC
HOUR = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
# Sessions in that hour 1..6 weeks before; week 6 had an incident (60) that must not widen the band.
PAST = [20, 22, 19, 21, 20, 60]
USUAL = 20.5  # median of PAST, by hand: (20 + 21) / 2


def sessions_at(start: datetime, n: int, first: int) -> list[Spec]:
    return [
        Spec(sid(first + i), "client", start + timedelta(seconds=30 * i), [Msg("user", 0)]) for i in range(n)
    ]


def history(engine, now_count: int) -> None:
    specs = []
    for week, n in enumerate(PAST, start=1):
        specs += sessions_at(HOUR - timedelta(weeks=week), n, week * 1000)
    specs += sessions_at(HOUR, now_count, 0)
    build(engine, specs)


def flagged(engine) -> dict[str, tuple[float, float]]:
    with engine.connect() as conn:
        return {a.metric.key: (a.value, a.band.median) for a in detect(conn, NOW, UTC)}


def test_a_drop_in_sessions_is_flagged_against_the_median(engine):
    history(engine, 4)
    assert flagged(engine)["sessions"] == (4, USUAL)


def test_a_usual_hour_is_not_flagged(engine):
    history(engine, 23)
    assert "sessions" not in flagged(engine)


def test_too_little_history_gives_no_verdict(engine):
    build(engine, sessions_at(HOUR - timedelta(weeks=1), 20, 5000) + sessions_at(HOUR, 1, 0))
    assert flagged(engine) == {}


def test_an_anomalous_rule_fires_with_its_baseline(engine, database_url):
    history(engine, 4)
    rule = {
        "name": "Traffic drop",
        "metric": "sessions",
        "window": "1h",
        "condition": "anomalous",
        "min_sample": "10",
    }
    with engine.begin() as conn:
        create_rule(conn, validate_rule(rule), actor="lead")
    run = run_once(engine, Config(database_url=database_url), {}, now=NOW)
    (change,) = run.changes
    assert change.change == "firing" and change.reading.value == 4 and change.reading.baseline == USUAL
