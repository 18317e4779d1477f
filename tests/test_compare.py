"""Comparing two segments (issue 15 item 3): the `compare` address parameter and both headlines of
the data layer, against counts worked out by hand from the fixture specs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from data.errors import FieldError
from metrics.catalogue import METRICS
from metrics.compare import compare_headlines
from metrics.filters import Filters, parse_search
from tests.builders import Msg, Spec, build, sid

NOW = datetime.now(UTC)
H = timedelta(hours=1)
# Three clients (two closed, one resolved) and two providers (both closed and resolved), one old one.
SPECS = [
    Spec(sid(1), "client", NOW - 2 * H, [Msg("user", 0), Msg("assistant", 1, 200.0)], resolved=True),
    Spec(sid(2), "client", NOW - 3 * H, [Msg("user", 0), Msg("assistant", 1, 600.0), Msg("user", 5)]),
    Spec(sid(3), "client", NOW - 4 * H, [Msg("user", 0)], closed_after_s=None),
    Spec(sid(4), "provider", NOW - 5 * H, [Msg("user", 0), Msg("assistant", 1, 1000.0)], resolved=True),
    Spec(sid(5), "provider", NOW - 6 * H, [Msg("user", 0)], resolved=True),
    Spec(sid(6), "provider", NOW - 30 * 24 * H, [Msg("user", 0)], resolved=True),  # outside 7 days
]


def test_both_segments_headlines_match_raw_counts_and_rates_differ_in_points(engine):
    build(engine, SPECS)
    filters = parse_search("?user_type=client&compare=user_type:provider")[0]
    period = filters.period(ZoneInfo("UTC"))
    since = (NOW - 7 * 24 * H).replace(tzinfo=None)
    with engine.connect() as conn:
        raw = dict(
            conn.execute(
                text(
                    "SELECT user_type, count(*) FROM chat_sessions WHERE created_at >= :since GROUP BY user_type"
                ),
                {"since": since},
            ).all()
        )
        both = compare_headlines(conn, period, filters.segment, filters.comparison().segment)
    assert (
        (both.current.sessions.total, both.other.sessions.total) == (raw["client"], raw["provider"]) == (3, 2)
    )
    assert (both.current.messages.total, both.other.messages.total) == (6, 3)
    # Resolution among closed sessions: clients 1 of 2 (50%), providers 2 of 2 (100%): -50 points.
    resolution = both.difference(METRICS["resolution_rate"])
    assert resolution.rate and resolution.shown == pytest.approx(-50.0)
    assert resolution.tone == "bad"
    # Sessions: 3 against 2 is +50%, not points.
    sessions = both.difference(METRICS["sessions"])
    assert not sessions.rate and sessions.shown == pytest.approx(50.0)


def test_everything_drops_the_user_type_and_segment_but_keeps_the_period(engine):
    build(engine, SPECS)
    filters = parse_search("?period=24h&user_type=provider&resolved=true&compare=all")[0]
    assert filters.comparison() == Filters(preset="24h")
    with engine.connect() as conn:
        both = compare_headlines(
            conn, filters.period(ZoneInfo("UTC")), filters.segment, filters.comparison().segment
        )
    assert (both.current.sessions.total, both.other.sessions.total) == (2, 5)


@pytest.mark.parametrize("value", ["", "none"])
def test_no_comparison_by_default(value):
    filters, problems = parse_search(f"?compare={value}" if value == "" else "?period=7d")
    assert filters.compare is None and filters.comparison() is None and problems == []


@pytest.mark.parametrize(
    "value", ["user_type:", "user_type:staff", "everything", "ALL", "user_type:provider,client", "x" * 3000]
)
def test_an_unreadable_comparison_is_dropped_and_named(value):
    filters, problems = parse_search(f"?user_type=client&compare={value}")
    assert filters.compare is None and filters.user_type == "client"
    assert [p.field for p in problems] == ["compare"]
    assert isinstance(problems[0], FieldError)


def test_the_comparison_round_trips_through_the_address_and_the_store():
    filters = Filters(preset="30d", compare="user_type:anonymous")
    assert "compare=user_type%3Aanonymous" in filters.query()
    assert parse_search(filters.query())[0] == filters
    assert Filters.from_store(filters.to_store()) == filters
