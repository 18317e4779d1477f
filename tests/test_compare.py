"""Comparing two segments (issue 15 item 3): the `compare` address parameter and both headlines of
the data layer, against counts worked out by hand from the fixture specs."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
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


@pytest.mark.parametrize("search", ["?period=7d", "?compare="])
def test_no_comparison_by_default(search):
    filters, problems = parse_search(search)
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


def _numbers(values) -> list:
    """A trace's values, also when plotly wrote them as a typed array (`{"dtype", "bdata"}`)."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


def _texts(component) -> list[str]:
    if isinstance(component, str):
        return [component]
    if isinstance(component, list):
        return [t for c in component for t in _texts(c)]
    children = getattr(component, "children", None)
    return _texts(children) if children is not None else []


def test_cards_and_time_charts_show_the_compared_segment(app):
    from callbacks.charts import update_time_series
    from callbacks.kpis import update_kpis
    from web.context import services_of

    build(services_of(app.server).engine, SPECS)
    stored = Filters("7d", user_type="client", compare="user_type:provider").to_store()
    with app.server.test_request_context():
        sessions, messages, response, *_ = update_kpis(stored)
        activity, activity_summary, _t1, times, times_summary, _t2 = update_time_series(stored)
    assert _texts(sessions)[:3] == ["3", "providers: 2", " · difference +50.0%"]
    assert _texts(messages)[1] == "providers: 3"
    # Median answer: clients 200 and 600 ms (400 ms), providers 1,000 ms: 60% below.
    assert _texts(response)[:3] == ["400 ms", "providers: 1,000 ms", " · difference -60.0%"]
    dashed = [t for t in activity["data"] if t["name"] == "Sessions, providers"]
    assert len(dashed) == 1 and dashed[0]["line"]["dash"] == "dash" and sum(_numbers(dashed[0]["y"])) == 2
    assert "Providers (dashed violet line): 2 sessions and 3 messages." in activity_summary
    assert [t["name"] for t in times["data"]][-1] == "median, providers"
    assert "Providers (dashed violet line): median 1,000 ms" in times_summary


def test_rate_cards_give_the_difference_in_points(app):
    from callbacks.kpis import update_kpis
    from layouts.kpis import KPIS
    from web.context import services_of

    build(services_of(app.server).engine, SPECS)
    with app.server.test_request_context():
        cards = update_kpis(Filters("7d", user_type="client", compare="all").to_store())
    resolution = cards[[m.key for m in KPIS].index("resolution_rate")]
    # Clients: 1 of 2 closed resolved (50%); everyone in 7 days: 3 of 4 closed (75%).
    assert _texts(resolution)[:3] == ["50.0%", "everyone: 75.0%", " · difference -25.0 pp"]
