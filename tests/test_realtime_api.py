"""GET /admin/chat-analytics/api/ against figures computed by hand from the fixture specs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from tests.builders import Msg, Spec, build, sid
from tests.web import DASH, HTML
from web.context import services_of

API = DASH + "api/"
NOW = datetime.now(UTC)
H = timedelta(hours=1)
# Within 24 h: answers 200, 400 (session 1), 900 (session 2); ratings 5 and 3; session 3 open.
# Three days ago: an answer of 5000 ms and a rating of 1, outside the default period.
SPECS = [
    Spec(sid(1), "client", NOW - 2 * H, [Msg("user", 0), Msg("assistant", 1, 200.0), Msg("assistant", 9, 400.0)], rating=5, resolved=True),
    Spec(sid(2), "provider", NOW - 5 * H, [Msg("user", 0), Msg("assistant", 1, 900.0)], rating=3, escalated=True),
    Spec(sid(3), "client", NOW - H, [Msg("user", 0)], closed_after_s=None),
    Spec(sid(4), "anonymous", NOW - 72 * H, [Msg("assistant", 1, 5000.0)], rating=1),
]  # fmt: skip


@pytest.fixture
def api(app, staff_client):
    build(services_of(app.server).engine, SPECS)
    return staff_client


def test_default_is_last_24_hours(api):
    response = api.get(API)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["active_sessions"] == 1
    assert body["avg_response_time"] == pytest.approx((200 + 400 + 900) / 3, abs=0.01)
    assert body["avg_satisfaction"] == 4.0
    assert body["rating_count"] == 2
    assert body["sessions"] == 3 and body["messages"] == 6
    assert body["p95_response_time"] == pytest.approx(np.percentile([200, 400, 900], 95), abs=0.01)
    assert body["resolution_rate"] == 50.0 and body["escalation_rate"] == 50.0
    stamp = datetime.fromisoformat(body["timestamp"])
    assert stamp.utcoffset() is not None and abs(stamp - datetime.now(UTC)) < timedelta(minutes=1)
    assert body["period"]["preset"] == "24h"


def test_preset_custom_range_and_user_type(api):
    week = api.get(API + "?period=7d").get_json()
    assert week["avg_response_time"] == pytest.approx((200 + 400 + 900 + 5000) / 4, abs=0.01)
    assert week["avg_satisfaction"] == 3.0 and week["sessions"] == 4
    day = (NOW - 72 * H).date().isoformat()
    custom = api.get(API + f"?start_date={day}&end_date={day}").get_json()
    assert custom["sessions"] == 1 and custom["avg_response_time"] == 5000.0
    assert custom["period"]["start_date"] == day
    clients = api.get(API + "?user_type=client").get_json()
    assert clients["active_sessions"] == 1 and clients["avg_response_time"] == pytest.approx(300.0)


def test_empty_period_gives_nulls(api):
    body = api.get(API + "?start_date=2020-01-01&end_date=2020-01-31").get_json()
    assert body["avg_response_time"] is None and body["avg_satisfaction"] is None
    assert body["sessions"] == 0 and body["rating_count"] == 0 and body["resolution_rate"] is None
    assert body["active_sessions"] == 1  # the real-time figure ignores the period


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?period=1y", "period"),
        ("?start_date=2026-01-01", "end_date"),
        ("?start_date=2026-01-05&end_date=2026-01-01", "start_date"),
        ("?start_date=01/01/2026&end_date=2026-01-02", "start_date"),
        ("?user_type=robot", "user_type"),
    ],
)
def test_bad_parameters_get_400(api, query, field):
    response = api.get(API + query)
    assert response.status_code == 400
    assert response.get_json()["field"] == field


def test_api_is_staff_only(client):
    assert client.get(API).status_code == 401
    assert client.get(API, headers=HTML).status_code == 302


@pytest.mark.parametrize("query", ["?period=24h", "?period=7d", "?period=24h&user_type=client"])
def test_exports_of_a_view_hold_as_many_rows_as_its_figures(api, query):
    figures = api.get(API + query).get_json()
    for kind, figure in (("sessions", "sessions"), ("messages", "messages")):
        response = api.get(f"{DASH}export/{kind}/{query}")
        assert response.status_code == 200
        rows = response.get_data(as_text=True).strip().splitlines()[1:]
        assert len(rows) == figures[figure], (kind, query)
    # By hand: 24 h holds sessions 1-3 (3 + 2 + 1 messages); clients are sessions 1 and 3.
    expected = {"?period=24h": (3, 6), "?period=7d": (4, 7), "?period=24h&user_type=client": (2, 4)}[query]
    assert (figures["sessions"], figures["messages"]) == expected
