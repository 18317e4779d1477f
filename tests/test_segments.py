"""Segments beyond period and user type (resolved, escalated, rating range) in the JSON API and the
exports, against figures worked out from the fixture specs in plain Python."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.builders import Msg, Spec, build, sid
from tests.web import DASH
from web.context import services_of

API = DASH + "api/"
NOW = datetime.now(UTC)
H = timedelta(hours=1)
SPECS = [
    Spec(sid(1), "client", NOW - 2 * H, [Msg("user", 0), Msg("assistant", 1, 200.0), Msg("assistant", 9, 400.0)],
         topics=["billing"], rating=5, resolved=True),
    Spec(sid(2), "provider", NOW - 5 * H, [Msg("user", 0), Msg("assistant", 1, 900.0)], rating=2, escalated=True),
    Spec(sid(3), "client", NOW - 1 * H, [Msg("user", 0)], rating=1, closed_after_s=None),
    Spec(sid(4), "anonymous", NOW - 30 * H, [Msg("assistant", 1, 5000.0)], topics=["billing"], rating=1),
    Spec(sid(5), "client", NOW - 50 * H, [Msg("user", 0), Msg("assistant", 2, 100.0)], resolved=True,
         escalated=True),
]  # fmt: skip

SEGMENTS = {
    "resolved=true": lambda s: s.closed and s.resolved,
    "resolved=false": lambda s: s.closed and not s.resolved,
    "escalated=true": lambda s: s.closed and s.escalated,
    "escalated=false": lambda s: s.closed and not s.escalated,
    "rating=1-2": lambda s: s.rating is not None and 1 <= s.rating <= 2,
    "rating=5": lambda s: s.rating == 5,
    "resolved=false&rating=1": lambda s: s.closed and not s.resolved and s.rating == 1,
    "user_type=client&escalated=false": lambda s: s.user_type == "client" and s.closed and not s.escalated,
    "topic=billing&resolved=false": lambda s: "billing" in s.topics and s.closed and not s.resolved,
    "rating=3-4": lambda s: s.rating in (3, 4),  # nobody: an empty segment
}


def expected(keep, specs: list[Spec] = SPECS) -> dict:
    """The API's segment figures for the last 7 days, from the specs by hand."""
    chosen = [s for s in specs if keep(s)]
    times = [m.ms for s in chosen for m in s.messages if m.sender == "assistant" and m.ms is not None]
    ratings = [s.rating for s in chosen if s.rating is not None]
    closed = [s for s in chosen if s.closed]
    return {
        "sessions": len(chosen),
        "messages": sum(len(s.messages) for s in chosen),
        "avg_response_time": sum(times) / len(times) if times else None,
        "avg_satisfaction": sum(ratings) / len(ratings) if ratings else None,
        "rating_count": len(ratings),
        "resolution_rate": sum(s.resolved for s in closed) / len(closed) * 100 if closed else None,
        "escalation_rate": sum(s.escalated for s in closed) / len(closed) * 100 if closed else None,
    }


@pytest.fixture
def staff(app, staff_client):
    build(services_of(app.server).engine, SPECS)
    return staff_client


@pytest.mark.parametrize("segment", list(SEGMENTS))
def test_api_figures_and_exports_of_a_segment(staff, segment):
    want = expected(SEGMENTS[segment])
    response = staff.get(f"{API}?period=7d&{segment}")
    assert response.status_code == 200, response.data
    body = response.get_json()
    for name, value in want.items():
        assert body[name] == (pytest.approx(value, abs=0.01) if value is not None else None), name
    # The exports of the same address hold the rows the figures count.
    for kind, figure in (("sessions", "sessions"), ("messages", "messages")):
        rows = staff.get(f"{DASH}export/{kind}/?period=7d&{segment}").get_data(as_text=True).splitlines()[1:]
        assert len(rows) == want[figure], (kind, segment)
    analytics = staff.get(f"{DASH}export/analytics/?period=7d&{segment}").get_data(as_text=True)
    closed = [s for s in SPECS if SEGMENTS[segment](s) and s.closed]
    assert len(analytics.splitlines()) - 1 == len(closed)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("rating=0", "rating"),
        ("rating=2-1", "rating"),
        ("rating=x", "rating"),
        ("escalated=maybe", "escalated"),
    ],
)
def test_bad_segment_parameters_get_400_naming_them(staff, query, field):
    for path in (API, DASH + "export/sessions/"):
        response = staff.get(f"{path}?{query}")
        assert response.status_code == 400 and response.get_json()["field"] == field


def _outputs(response) -> dict:
    assert response.status_code == 200, response.data[:300]
    return {
        f"{component}.{prop}": value
        for component, props in response.get_json()["response"].items()
        for prop, value in props.items()
    }


def test_the_dashboard_reads_segments_from_its_address_and_writes_its_controls_there(staff):
    from tests.web import callback_with_output, dash_callbacks, run_callback

    callbacks = dash_callbacks(staff)
    sync = callback_with_output(callbacks, "url.search")
    out = _outputs(run_callback(staff, sync, {"url.search": "?period=7d&resolved=false&rating=1-2"}))
    stored = out["filters.data"]
    assert (stored["resolved"], stored["rating"], stored["escalated"]) == (False, "1-2", None)
    assert (out["seg-resolved.value"], out["seg-rating.value"], out["seg-escalated.value"]) == (
        "false",
        "1-2",
        "all",
    )
    assert "resolved=false" in out["export-sessions.href"] and "rating=1-2" in out["export-sessions.href"]
    assert out["topics-link.href"] == "/admin/chat-analytics/topics/?period=7d"
    # The cards count the segment: sessions 2 and 4 (closed unresolved, rated 1 or 2).
    cards = callback_with_output(callbacks, "kpi-sessions.children")
    body = run_callback(staff, cards, {"filters.data": stored}, ["filters.data"]).get_data(as_text=True)
    assert '"2"' in body
    # Picking "Escalated" adds it to the address, keeping the rest.
    changed = run_callback(
        staff,
        sync,
        {
            "url.search": "?period=7d&resolved=false&rating=1-2",
            "seg-escalated.value": "true",
            "filters.data": stored,
        },
        ["seg-escalated.value"],
    )
    search = _outputs(changed)["url.search"]
    assert sorted(search.lstrip("?").split("&")) == [
        "escalated=true",
        "period=7d",
        "rating=1-2",
        "resolved=false",
    ]
