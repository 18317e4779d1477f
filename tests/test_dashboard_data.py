"""The dashboard's own data: time buckets, response-time series, recent sessions and transcripts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

import metrics
from data import sessions
from data.periods import custom_range, preset_period
from metrics.spans import Segment
from tests.builders import Msg, Spec, build, sid

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 3, 31, 10, 30, tzinfo=UTC)


def test_daily_buckets_follow_local_midnights_across_dst():
    period = custom_range(date(2026, 3, 28), date(2026, 3, 30), PARIS)
    hours = [(b.end - b.start) / timedelta(hours=1) for b in period.buckets()]
    assert hours == [24, 23, 24]  # 29 March 2026: clocks go forward in Paris
    assert period.buckets()[0].start == datetime(2026, 3, 27, 23, tzinfo=UTC)


def test_preset_buckets_cover_the_period_exactly_once():
    period = preset_period("24h", PARIS, NOW)
    buckets = period.buckets()
    assert len(buckets) == 25  # a partial first and last hour
    assert buckets[0].start == period.start and buckets[-1].end == period.end
    assert all(a.end == b.start for a, b in zip(buckets, buckets[1:], strict=False))


def test_response_time_series_per_local_day(engine):
    day1 = datetime(2026, 3, 28, 9, tzinfo=UTC)
    day3 = datetime(2026, 3, 30, 22, 30, tzinfo=UTC)  # 00:30 on 31 March in Paris
    build(
        engine,
        [
            Spec(sid(1), "client", day1, [Msg("assistant", 1, ms) for ms in (100.0, 200.0, 300.0, 1000.0)]),
            Spec(sid(2), "client", day3, [Msg("assistant", 1, 50.0), Msg("user", 2)]),
        ],
    )
    period = custom_range(date(2026, 3, 28), date(2026, 3, 31), PARIS)
    with engine.connect() as conn:
        frame = metrics.response_time_series(conn, period)
    assert [d.date() for d in frame["at"]] == [date(2026, 3, d) for d in (28, 29, 30, 31)]
    assert frame["count"].tolist() == [4, 0, 0, 1]
    assert frame["p50"][0] == np.percentile([100, 200, 300, 1000], 50)
    assert frame["p95"][0] == pytest.approx(np.percentile([100, 200, 300, 1000], 95))
    assert frame["p50"][3] == 50.0
    assert frame["average"].isna().tolist() == [False, True, True, False]


def test_recent_sessions_newest_first_with_topic_filter_and_transcript(engine):
    base = NOW - timedelta(hours=5)
    build(
        engine,
        [
            Spec(
                sid(1), "client", base, [Msg("user", 0), Msg("assistant", 2, 640.0, cached=True)], ["billing"]
            ),
            Spec(sid(2), "provider", base + timedelta(hours=1), [Msg("user", 0)], ["booking"], rating=4),
            Spec(
                sid(3),
                "anonymous",
                base + timedelta(hours=2),
                [Msg("user", 0), Msg("assistant", 1, 300.0)],
                ["billing"],
                closed_after_s=None,
            ),
        ],
    )
    period = preset_period("24h", PARIS, NOW)
    with engine.connect() as conn:
        rows = sessions.recent_sessions(conn, period)
        billing = sessions.recent_sessions(conn, period, Segment(topics=("billing",)))
        providers = sessions.recent_sessions(conn, period, "provider")
        messages = sessions.transcript(conn, sid(1))
    assert [r["session_id"] for r in rows] == [sid(3), sid(2), sid(1)]
    # Open: no analytics row yet, so its messages so far are counted (not an empty cell).
    assert rows[0]["is_active"] and rows[0]["total_messages"] == 2
    assert rows[1]["satisfaction_rating"] == 4 and rows[1]["user"] == "anonymous"
    assert [r["session_id"] for r in billing] == [sid(3), sid(1)]
    assert [r["session_id"] for r in providers] == [sid(2)]
    assert [(m["sender_type"], m["processing_time_ms"], m["is_cached_response"]) for m in messages] == [
        ("user", None, False),
        ("assistant", 640.0, True),
    ]


def test_hourly_series_in_a_half_hour_zone_with_user_type(engine):
    kolkata = ZoneInfo("Asia/Kolkata")  # UTC+05:30: local hours start at :30 UTC
    build(
        engine,
        [
            Spec(
                sid(1),
                "client",
                NOW - timedelta(hours=3, minutes=10),
                [Msg("assistant", 0, ms) for ms in (10.0, 20.0, 70.0)],
            ),
            Spec(sid(2), "provider", NOW - timedelta(hours=3, minutes=5), [Msg("assistant", 0, 999.0)]),
            Spec(sid(3), "client", NOW - timedelta(hours=2, minutes=55), [Msg("assistant", 0, 40.0)]),
        ],
    )
    period = preset_period("24h", kolkata, NOW)
    with engine.connect() as conn:
        frame = metrics.response_time_series(conn, period, "client")
    busy = frame[frame["count"] > 0]
    # NOW is 10:30 UTC = 16:00 IST; 07:20 and 07:35 UTC are 12:50 and 13:05 IST: two local hours.
    assert [t.strftime("%H:%M") for t in busy["at"]] == ["12:00", "13:00"]
    assert busy["count"].tolist() == [3, 1]
    assert busy["p95"].tolist()[0] == pytest.approx(np.percentile([10, 20, 70], 95))
    assert busy["average"].tolist() == pytest.approx([100 / 3, 40.0])
