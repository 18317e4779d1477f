"""More segments: several topics (any of them), the duration and message count of closed sessions,
cached answers; combined with each other and the older segments (AND) in the API, the exports and
the dashboard's cards, against figures worked out from the fixture specs by hand (and raw SQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from tests.builders import Msg, Spec, build, sid
from tests.segments_expected import closed_lasting
from tests.test_segments import _outputs, expected
from tests.web import DASH, callback_with_output, dash_callbacks, run_callback
from web.context import services_of

API = DASH + "api/"
NOW = datetime.now(UTC)
H = timedelta(hours=1)
TWELVE = [Msg("user" if i % 2 == 0 else "assistant", i * 5, None if i % 2 == 0 else 500.0) for i in range(12)]
SPECS = [
    Spec(sid(1), "client", NOW - 2 * H,
         [Msg("user", 0), Msg("assistant", 1, 200.0, cached=True), Msg("user", 20), Msg("assistant", 25, 300.0)],
         topics=["billing", "refunds"], rating=4, resolved=True, closed_after_s=200),
    Spec(sid(2), "provider", NOW - 5 * H, [Msg("user", 0), Msg("assistant", 1, 900.0)], topics=["refunds"],
         rating=2, escalated=True, closed_after_s=30),
    Spec(sid(3), "client", NOW - 1 * H, [Msg("user", 0), Msg("assistant", 2, 100.0, cached=True)],
         topics=["billing"], closed_after_s=None),
    Spec(sid(4), "anonymous", NOW - 30 * H, TWELVE, topics=["booking"], rating=5, resolved=True,
         closed_after_s=1200),
    Spec(sid(5), "client", NOW - 50 * H, [Msg("assistant", 1, 150.0)], resolved=True, closed_after_s=60),
    Spec(sid(6), "client", NOW - 70 * H, [Msg("user", 0), Msg("assistant", 1, 700.0, cached=True)],
         topics=["billing"], rating=1, closed_after_s=300),
]  # fmt: skip


def cached(s: Spec) -> bool:
    return any(m.cached for m in s.messages)


SEGMENTS = {
    "topic=billing&topic=refunds": lambda s: bool({"billing", "refunds"} & set(s.topics)),
    "topic=refunds&topic=booking&resolved=true": lambda s: (
        bool({"refunds", "booking"} & set(s.topics)) and s.closed and s.resolved
    ),
    "topic=billing": lambda s: "billing" in s.topics,
    "duration=0-60": closed_lasting(0, 60),
    "duration=60-300": closed_lasting(60, 300),  # 60 in, 300 out
    "duration=300-": closed_lasting(300, None),
    "messages=1-2": lambda s: s.closed and 1 <= len(s.messages) <= 2,
    "messages=4": lambda s: s.closed and len(s.messages) == 4,
    "messages=11-": lambda s: s.closed and len(s.messages) >= 11,
    "cached=true": cached,
    "cached=false": lambda s: not cached(s),
    "cached=true&duration=0-250&user_type=client": lambda s: (
        cached(s) and closed_lasting(0, 250)(s) and s.user_type == "client"
    ),
    "topic=billing&messages=1-2&cached=true&rating=1": lambda s: (
        "billing" in s.topics and s.closed and len(s.messages) <= 2 and cached(s) and s.rating == 1
    ),
    "duration=2000-&topic=billing": lambda s: False,  # nobody: an empty segment
}


@pytest.fixture
def staff(app, staff_client):
    build(services_of(app.server).engine, SPECS)
    return staff_client


@pytest.mark.parametrize("segment", list(SEGMENTS))
def test_api_figures_and_exports_of_a_segment(staff, segment):
    want = expected(SEGMENTS[segment], SPECS)
    response = staff.get(f"{API}?period=7d&{segment}")
    assert response.status_code == 200, response.data
    body = response.get_json()
    for name, value in want.items():
        assert body[name] == (pytest.approx(value, abs=0.01) if value is not None else None), name
    for kind, figure in (("sessions", "sessions"), ("messages", "messages")):
        for fmt in ("", "&format=parquet"):
            got = staff.get(f"{DASH}export/{kind}/?period=7d&{segment}{fmt}")
            assert got.status_code == 200, got.data[:200]
        rows = staff.get(f"{DASH}export/{kind}/?period=7d&{segment}").get_data(as_text=True).splitlines()[1:]
        assert len(rows) == want[figure], (kind, segment)
    analytics = staff.get(f"{DASH}export/analytics/?period=7d&{segment}").get_data(as_text=True)
    assert len(analytics.splitlines()) - 1 == len([s for s in SPECS if SEGMENTS[segment](s) and s.closed])


def test_a_session_with_several_of_the_topics_counts_once(staff):
    # Raw SQL: the sessions that discussed billing or refunds, each once (session 1 discussed both).
    with staff.engine.connect() as conn:
        (by_sql,) = conn.execute(
            text(
                "SELECT COUNT(*) FROM chat_sessions WHERE session_id IN "
                "(SELECT session_id FROM session_topics WHERE topic IN ('billing', 'refunds'))"
            )
        ).one()
    body = staff.get(f"{API}?period=7d&topic=refunds&topic=billing").get_json()
    assert body["sessions"] == by_sql == 4
    assert body["period"]["topic"] == ["billing", "refunds"]
    one = staff.get(f"{API}?period=7d&topic=billing").get_json()
    assert one["period"]["topic"] == "billing" and one["sessions"] == 3


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("duration=5-1", "duration"),
        ("duration=-60", "duration"),
        ("duration=1.5-3", "duration"),
        ("duration=99999999-", "duration"),
        ("messages=x", "messages"),
        ("messages=3-2", "messages"),
        ("cached=perhaps", "cached"),
        ("topic=billing&topic=" + "x" * 101, "topic"),
        ("topic=%20", "topic"),
        ("&".join(f"topic=t{n}" for n in range(21)), "topic"),
    ],
)
def test_bad_segment_parameters_get_400_naming_them(staff, query, field):
    for path in (API, DASH + "export/sessions/", DASH + "export/messages/", DASH + "api/topics/"):
        response = staff.get(f"{path}?{query}")
        if path.endswith("api/topics/") and field == "topic":
            continue  # the explorer lists every topic: it takes no topic filter
        assert response.status_code == 400, (path, query)
        assert response.get_json()["field"] == field


def test_the_dashboard_keeps_the_new_segments_in_its_address_and_counts_them(staff):
    callbacks = dash_callbacks(staff)
    sync = callback_with_output(callbacks, "url.search")
    address = "?period=7d&topic=billing&topic=refunds&duration=60-300&cached=true"
    out = _outputs(run_callback(staff, sync, {"url.search": address}))
    stored = out["filters.data"]
    assert (stored["topics"], stored["duration"], stored["cached"]) == (
        ["billing", "refunds"],
        "60-300",
        True,
    )
    assert (out["seg-duration.value"], out["seg-cached.value"], out["seg-messages.value"]) == (
        "60-300",
        "true",
        "all",
    )
    assert out["topic-chip-name.children"] == "billing, refunds"
    assert out["export-scope.children"].endswith(
        "all users · topics billing or refunds · lasting 60-300 s · some cached answers"
    )
    for kind in ("sessions", "messages", "analytics"):
        href = out[f"export-{kind}.href"]
        assert "topic=billing&topic=refunds" in href and "duration=60-300" in href and "cached=true" in href
    # Sessions 1 (200 s, cached) and 6 (300 s: out) -> 1 session; the cards say so.
    cards = callback_with_output(callbacks, "kpi-sessions.children")
    body = run_callback(staff, cards, {"filters.data": stored}, ["filters.data"]).get_json()["response"]
    assert _card_value(body["kpi-sessions"]["children"]) == "1"
    assert _card_value(body["kpi-messages"]["children"]) == "4"
    # Picking "11 or more" messages adds it to the address, keeping the rest.
    changed = run_callback(
        staff,
        sync,
        {"url.search": address, "seg-messages.value": "11-", "filters.data": stored},
        ["seg-messages.value"],
    )
    search = _outputs(changed)["url.search"]
    assert sorted(search.lstrip("?").split("&")) == sorted(
        ["period=7d", "topic=billing", "topic=refunds", "duration=60-300", "messages=11-", "cached=true"]
    )
    # The sessions table counts the same sessions.
    table = callback_with_output(callbacks, "sessions-caption.children")
    caption = run_callback(staff, table, {"filters.data": stored}, ["filters.data"]).get_json()["response"]
    assert "1 in the period" in str(caption["sessions-caption"]["children"])


def _card_value(children) -> str:
    """The figure of a KPI card's children (the component with class kpi-value)."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            props = node.get("props", {})
            if "kpi-value" in str(props.get("className", "")):
                found.append(props.get("children"))
            for v in props.values():
                walk(v)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(children)
    return str(found[0])


def test_the_topic_explorer_reads_the_new_segments_too(staff):
    # Cached answers in the last 7 days: sessions 1 (billing, refunds), 3 (billing), 6 (billing).
    body = staff.get(f"{DASH}api/topics/?period=7d&cached=true").get_json()
    assert body["total_sessions"] == 3
    assert {t["topic"]: t["sessions"] for t in body["topics"]} == {"billing": 3, "refunds": 1}
    assert body["period"]["cached"] == "true"
    page = staff.get(f"{DASH}topics/?period=7d&cached=true&messages=1-2").get_data(as_text=True)
    assert "1-2 messages" in page and "some cached answers" in page
