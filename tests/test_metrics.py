"""Every metric of docs/contract.md section 2 against figures computed by hand from the fixture specs."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pytest

import metrics
from data.errors import FieldError
from data.periods import Period, custom_range, preset_period
from metrics.filters import parse_filters
from tests.builders import Msg, Spec, build, sid

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")
PARIS = ZoneInfo("Europe/Paris")


def _specs() -> list[Spec]:
    h = timedelta(hours=1)
    return [
        Spec(
            sid(1),
            "client",
            NOW - h,
            [Msg("user", 0), Msg("assistant", 5, 800), Msg("user", 60), Msg("assistant", 65, 1200, True)],
            ["billing", "booking"],
            actions=2,
            rating=5,
            resolved=True,
        ),
        Spec(
            sid(2),
            "provider",
            NOW - 3 * h,
            [Msg("user", 0), Msg("assistant", 3, 400), Msg("system", 10)],
            ["billing"],
            rating=2,
            escalated=True,
            closed_after_s=300,
        ),
        Spec(
            sid(3),
            "anonymous",
            NOW - 30 * h,
            [Msg("user", 0), Msg("assistant", 4, 3000)],
            ["refunds"],
            closed_after_s=120,
        ),
        Spec(
            sid(4),
            "client",
            NOW - 48 * h,
            [Msg("user", 0), Msg("assistant", 1, 100), Msg("user", 30), Msg("assistant", 31, 250)],
            ["booking", "refunds", "account access"],
            actions=6,
            rating=4,
            resolved=True,
            closed_after_s=900,
        ),
        Spec(
            sid(5),
            "client",
            NOW - timedelta(minutes=10),
            [Msg("user", 0), Msg("assistant", 2, 600)],
            ["booking"],
            closed_after_s=None,
        ),
        Spec(
            sid(6),
            "provider",
            NOW - 10 * 24 * h,
            [Msg("user", 0), Msg("assistant", 2, 5000)],
            ["cancellations"],
            rating=1,
            closed_after_s=60,
        ),
        Spec(sid(7), "anonymous", NOW - 6 * 24 * h, [], [], rating=3, closed_after_s=30),
        # A session before the period whose message falls inside it counts for messages only.
        Spec(
            sid(8),
            "client",
            NOW - 7 * 24 * h - timedelta(minutes=1),
            [Msg("user", 120), Msg("assistant", 125, 700)],
            ["billing"],
            resolved=True,
            closed_after_s=200,
        ),
    ]


def _engagement(s: Spec) -> float:
    users = sum(m.sender == "user" for m in s.messages)
    raw = 40 * min(users / 10, 1) + 25 * min(s.actions / 5, 1) + 15 * min(len(s.topics) / 3, 1)
    raw += 20 * min(s.closed_after_s / 600, 1)
    return float(Decimal(str(round(raw, 9))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


class Expected:
    """The contract's definitions, computed in plain Python over the specs."""

    def __init__(self, specs: list[Spec], period: Period, user_type: str | None = None) -> None:
        def inside(t: datetime) -> bool:
            return period.start <= t < period.end

        typed = [s for s in specs if user_type is None or s.user_type == user_type]
        self.sessions = [s for s in typed if inside(s.created)]
        self.messages = [
            (s, m, at)
            for s in typed
            for m, at in zip(s.messages, s.message_times(), strict=True)
            if inside(at)
        ]
        self.times = [m.ms for _, m, _ in self.messages if m.sender == "assistant" and m.ms is not None]
        self.closed = [s for s in self.sessions if s.closed]
        self.ratings = [s.rating for s in self.sessions if s.rating is not None]
        self.tz = period.tz

    def topics(self, sessions: list[Spec]) -> list[tuple[str, int]]:
        counts = Counter(t for s in sessions for t in s.topics)
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]


def _check_all(conn, specs, period: Period, user_type: str | None = None) -> None:
    exp = Expected(specs, period, user_type)

    sc = metrics.session_counts(conn, period, user_type)
    assert (sc.total, sc.active, sc.closed) == (
        len(exp.sessions),
        sum(not s.closed for s in exp.sessions),
        len(exp.closed),
    )

    mc = metrics.message_counts(conn, period, user_type)
    assert mc.total == len(exp.messages)
    assert mc.by_sender == {
        k: sum(m.sender == k for _, m, _ in exp.messages) for k in ("user", "assistant", "system")
    }
    with_messages = {s.session_id for s, _, _ in exp.messages}
    assert mc.per_session == (
        pytest.approx(len(exp.messages) / len(with_messages)) if with_messages else None
    )

    rt = metrics.response_times(conn, period, user_type)
    assert rt.count == len(exp.times)
    if exp.times:
        assert rt.average == pytest.approx(sum(exp.times) / len(exp.times))
        for q in (50, 90, 95, 99):
            assert rt.p(q) == pytest.approx(float(np.percentile(exp.times, q)))
    else:
        assert rt.average is None and rt.p(95) is None

    sat = metrics.satisfaction(conn, period, user_type)
    assert sat.count == len(exp.ratings)
    assert sat.average == (pytest.approx(sum(exp.ratings) / len(exp.ratings)) if exp.ratings else None)
    assert sat.distribution == {r: exp.ratings.count(r) for r in range(1, 6)}

    out = metrics.outcomes(conn, period, user_type)
    assert out.analysed == len(exp.closed)
    if exp.closed:
        assert out.resolution_rate == pytest.approx(
            100 * sum(s.resolved for s in exp.closed) / len(exp.closed)
        )
        assert out.escalation_rate == pytest.approx(
            100 * sum(s.escalated for s in exp.closed) / len(exp.closed)
        )
        assert out.average_engagement == pytest.approx(sum(map(_engagement, exp.closed)) / len(exp.closed))
    else:
        assert (out.resolution_rate, out.escalation_rate, out.average_engagement) == (None, None, None)

    assert [(t.topic, t.count) for t in metrics.top_topics(conn, period, user_type)] == exp.topics(
        exp.sessions
    )
    unresolved = [s for s in exp.closed if not s.resolved]
    assert [(t.topic, t.count) for t in metrics.common_issues(conn, period, user_type)] == exp.topics(
        unresolved
    )

    dist = metrics.user_type_distribution(conn, period, user_type)
    assert dist == {
        t: sum(s.user_type == t for s in exp.sessions) for t in ("client", "provider", "anonymous")
    }

    hours = Counter(at.astimezone(exp.tz).hour for _, _, at in exp.messages)
    assert metrics.peak_hours(conn, period, user_type) == [(h, hours.get(h, 0)) for h in range(24)]

    matrix = metrics.weekday_hour_matrix(conn, period, user_type)
    cells = Counter(
        (at.astimezone(exp.tz).weekday(), at.astimezone(exp.tz).hour) for _, _, at in exp.messages
    )
    assert {(d, h): int(matrix.loc[d, h]) for d in range(7) for h in range(24) if matrix.loc[d, h]} == dict(
        cells
    )


@pytest.fixture
def fixture_db(engine):
    specs = _specs()
    build(engine, specs)
    return engine, specs


@pytest.mark.parametrize("preset", ["24h", "7d", "30d", "90d"])
@pytest.mark.parametrize("user_type", [None, "client", "provider", "anonymous"])
def test_every_metric_for_presets(fixture_db, preset, user_type):
    engine, specs = fixture_db
    with engine.connect() as conn:
        _check_all(conn, specs, preset_period(preset, NEW_YORK, now=NOW), user_type)


def test_default_week_figures_by_hand(fixture_db):
    """The 7-day view spelled out once, so a reader can check the definitions against the numbers."""
    engine, _ = fixture_db
    period = preset_period("7d", ZoneInfo("UTC"), now=NOW)
    with engine.connect() as conn:
        s = metrics.summary(conn, period)
    # Sessions 1, 2, 3, 4, 5 and 7 were created in the week; 5 is still open.
    assert (s.sessions.total, s.sessions.active, s.sessions.closed) == (6, 1, 5)
    # 15 messages from those sessions plus both of session 8's (sent after the week began).
    assert s.messages.total == 17
    assert s.response_times.average == pytest.approx((800 + 1200 + 400 + 3000 + 100 + 250 + 600 + 700) / 8)
    assert s.satisfaction.average == pytest.approx((5 + 2 + 4 + 3) / 4)
    assert s.outcomes.resolution_rate == pytest.approx(40.0)  # 1 and 4 of the five closed
    assert s.outcomes.escalation_rate == pytest.approx(20.0)
    assert [(t.topic, t.count) for t in s.top_topics] == [
        ("booking", 3),
        ("billing", 2),
        ("refunds", 2),
        ("account access", 1),
    ]
    assert s.active_now == 1


def test_edges_of_a_preset(engine):
    period = preset_period("24h", ZoneInfo("UTC"), now=NOW)
    specs = [
        Spec(sid(1), "client", NOW - timedelta(hours=24), closed_after_s=None),  # the first instant: in
        Spec(
            sid(2), "client", NOW - timedelta(hours=24, microseconds=1), closed_after_s=None
        ),  # just before: out
        Spec(sid(3), "client", NOW, closed_after_s=None),  # now itself: in
    ]
    build(engine, specs)
    with engine.connect() as conn:
        assert metrics.session_counts(conn, period).total == 2


def test_custom_range_across_dst_in_paris(engine):
    # Clocks in Paris jump from 02:00 to 03:00 on 29 March 2026: that local day lasts 23 hours.
    utc = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731
    specs = [
        Spec(sid(1), "client", utc(2026, 3, 28, 22, 59, 59), [Msg("user", 0)]),  # 23:59:59 on the 28th
        Spec(sid(2), "client", utc(2026, 3, 28, 23, 0, 0), [Msg("user", 0)]),  # 00:00 on the 29th
        Spec(sid(3), "provider", utc(2026, 3, 29, 1, 30), [Msg("user", 0)]),  # 03:30 CEST
        Spec(sid(4), "client", utc(2026, 3, 29, 21, 59, 59, 999999), [Msg("user", 0)]),  # 23:59:59.999999
        Spec(sid(5), "client", utc(2026, 3, 29, 22, 0, 0), [Msg("user", 0)]),  # 00:00 on the 30th
    ]
    build(engine, specs)
    day = custom_range(date(2026, 3, 29), date(2026, 3, 29), PARIS)
    assert day.duration == timedelta(hours=23)
    with engine.connect() as conn:
        _check_all(conn, specs, day)
        assert metrics.session_counts(conn, day).total == 3
        assert [h for h, n in metrics.peak_hours(conn, day) if n] == [0, 3, 23]
        assert metrics.session_counts(conn, day.previous()).total == 1
        two_days = custom_range(date(2026, 3, 28), date(2026, 3, 29), PARIS)
        series = metrics.activity_over_time(conn, two_days)
    assert [(str(t.date()), n) for t, n in zip(series["at"], series["sessions"], strict=True)] == [
        ("2026-03-28", 1),
        ("2026-03-29", 3),
    ]
    assert [t.hour for t in series["at"]] == [0, 0]


def test_empty_period_gives_zeros_and_nulls(fixture_db):
    engine, specs = fixture_db
    period = custom_range(date(2020, 1, 1), date(2020, 1, 7), NEW_YORK)
    with engine.connect() as conn:
        s = metrics.summary(conn, period)
        series = metrics.activity_over_time(conn, period)
    assert (s.sessions.total, s.messages.total, s.satisfaction.count, s.outcomes.analysed) == (0, 0, 0, 0)
    assert s.response_times.average is None and s.response_times.p(50) is None
    assert s.satisfaction.average is None and s.messages.per_session is None
    assert s.outcomes.resolution_rate is None and s.outcomes.average_engagement is None
    assert s.top_topics == [] and s.common_issues == []
    assert all(n == 0 for _, n in s.peak_hours)
    assert len(series) == 7 and series["sessions"].sum() == 0
    assert s.active_now == 1  # the real-time figure ignores the period


def test_hourly_series_for_24h(fixture_db):
    engine, specs = fixture_db
    period = preset_period("24h", NEW_YORK, now=NOW)
    with engine.connect() as conn:
        series = metrics.activity_over_time(conn, period)
    exp = Expected(specs, period)
    assert len(series) == 25  # a partial hour at each end
    assert series["sessions"].sum() == len(exp.sessions)
    assert series["messages"].sum() == len(exp.messages)
    by_hour = Counter(
        at.astimezone(NEW_YORK).replace(minute=0, second=0, microsecond=0) for _, _, at in exp.messages
    )
    assert {t.to_pydatetime(): n for t, n in zip(series["at"], series["messages"], strict=True) if n} == dict(
        by_hour
    )


def test_half_hour_zone_buckets_by_local_hour(engine):
    kolkata = ZoneInfo("Asia/Kolkata")  # UTC+05:30
    specs = [
        Spec(sid(1), "client", datetime(2026, 3, 19, 0, 20, tzinfo=UTC), [Msg("user", 0), Msg("user", 1800)])
    ]
    build(engine, specs)
    with engine.connect() as conn:
        hours = metrics.peak_hours(conn, custom_range(date(2026, 3, 19), date(2026, 3, 19), kolkata))
    # 00:20 UTC is 05:50 local, 00:50 UTC is 06:20 local.
    assert [(h, n) for h, n in hours if n] == [(5, 1), (6, 1)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "1y"}, "period"),
        ({"start_date": "2026-13-01", "end_date": "2026-12-01"}, "start_date"),
        ({"start_date": "2026-01-01", "end_date": "yesterday"}, "end_date"),
        ({"start_date": "2026-02-01", "end_date": "2026-01-01"}, "start_date"),
        ({"end_date": "2026-01-01"}, "start_date"),
        ({"start_date": "2026-01-01"}, "end_date"),
    ],
)
def test_bad_period_parameters_name_the_field(params, field):
    with pytest.raises(FieldError) as err:
        parse_filters(params).period(NEW_YORK)
    assert err.value.field == field


def test_previous_period_has_the_same_length():
    week = preset_period("7d", NEW_YORK, now=NOW)
    assert week.previous().end == week.start and week.previous().duration == timedelta(days=7)
    days = custom_range(date(2026, 3, 1), date(2026, 3, 10), NEW_YORK)
    assert (days.previous().first_day, days.previous().last_day) == (date(2026, 2, 19), date(2026, 2, 28))
