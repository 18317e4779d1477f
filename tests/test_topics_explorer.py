"""The topic explorer page and GET /admin/chat-analytics/api/topics/, against figures worked out by
hand from the fixture specs below."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from data.users import create_user
from tests.builders import Msg, Spec, build, sid
from tests.conftest import STAFF_PASSWORD
from tests.web import DASH, HTML, find_props, layout, login
from web.context import services_of

PAGE = DASH + "topics/"
API = DASH + "api/topics/"
NOW = datetime.now(UTC)
H = timedelta(hours=1)
# Last 7 days: billing (2 sessions, one resolved, one escalated), login (1), refunds (1, unresolved,
# no messages, no rating) and booking (25: 13 resolved, 3 escalated, 5 rated 4). Billing also
# once in the previous 7 days. 28 sessions in all.
SPECS = [
    Spec(sid(1), "client", NOW - 2 * H, [Msg("user", 0), Msg("assistant", 1, 200.0), Msg("assistant", 9, 400.0)],
         topics=["billing", "login"], rating=5, resolved=True),
    Spec(sid(2), "provider", NOW - 24 * H, [Msg("user", 0), Msg("assistant", 1, 900.0)],
         topics=["billing"], escalated=True),
    Spec(sid(3), "anonymous", NOW - 72 * H, [], topics=["refunds"]),
    Spec(sid(4), "client", NOW - 10 * 24 * H, [Msg("user", 0)], topics=["billing"]),
    *(
        Spec(sid(100 + i), "client", NOW - (i + 3) * H, [Msg("user", 0), Msg("assistant", 2, 100.0 + 10 * i)],
             topics=["booking"], resolved=i % 2 == 0, escalated=i % 10 == 0, rating=4 if i < 5 else None)
        for i in range(25)
    ),
]  # fmt: skip


@pytest.fixture
def staff(app, staff_client):
    build(services_of(app.server).engine, SPECS)
    return staff_client


def test_api_rows_hold_the_hand_computed_figures(staff):
    response = staff.get(API)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["total_sessions"] == 28 and body["period"]["preset"] == "7d" and body["sort"] == "attention"
    rows = {r["topic"]: r for r in body["topics"]}
    billing = rows["billing"]
    assert billing["sessions"] == 2 and billing["share"] == pytest.approx(2 / 28 * 100, abs=0.01)
    assert billing["previous_sessions"] == 1 and billing["change_percent"] == 100.0
    assert billing["resolution_rate"] == 50.0 and billing["escalation_rate"] == 50.0
    assert billing["avg_satisfaction"] == 5.0 and billing["rating_count"] == 1
    assert billing["messages_per_session"] == 2.5 and billing["small_sample"] is True
    assert billing["p95_response_time_ms"] == pytest.approx(np.percentile([200, 400, 900], 95), rel=0.02)
    assert billing["p50_response_time_ms"] == pytest.approx(400, rel=0.02)
    booking = rows["booking"]
    assert (booking["sessions"], booking["escalations"], booking["rating_count"]) == (25, 3, 5)
    assert booking["resolution_rate"] == 52.0 and booking["unresolved_volume"] == 12.0
    assert booking["small_sample"] is False and booking["avg_satisfaction"] == 4.0
    times = [100.0 + 10 * i for i in range(25)]
    assert booking["p95_response_time_ms"] == pytest.approx(np.percentile(times, 95), rel=0.02)
    refunds = rows["refunds"]
    assert refunds["avg_satisfaction"] is None and refunds["rating_count"] == 0
    assert refunds["p95_response_time_ms"] is None and refunds["messages_per_session"] is None
    assert sum(refunds["daily_sessions"]) == 1 and len(refunds["daily_sessions"]) == len(
        body["period"]["buckets"]
    )
    # Needs attention: booking (12 unresolved) first; then the small samples, billing and refunds
    # tied at 1 (by name), login (0) last.
    assert [r["topic"] for r in body["topics"]] == ["booking", "billing", "refunds", "login"]


def test_api_orders_by_escalations_and_by_any_column(staff):
    by_escalations = staff.get(API + "?sort=escalations").get_json()["topics"]
    assert [r["topic"] for r in by_escalations] == ["booking", "billing", "login", "refunds"]
    fewest_first = staff.get(API + "?sort=sessions&dir=asc").get_json()["topics"]
    assert [r["sessions"] for r in fewest_first] == [1, 1, 2, 25]


def test_api_filters_by_user_type_and_period(staff):
    providers = staff.get(API + "?user_type=provider").get_json()
    assert [(r["topic"], r["sessions"], r["escalation_rate"]) for r in providers["topics"]] == [
        ("billing", 1, 100.0)
    ]
    day = staff.get(API + "?period=24h").get_json()
    assert {r["topic"] for r in day["topics"]} == {"billing", "login", "booking"}
    assert day["period"]["hourly"] is True
    # A segment: sessions rated 5 (only sid(1), billing and login); rated 4-5 adds booking's five.
    top = staff.get(API + "?rating=5").get_json()
    assert {(r["topic"], r["sessions"]) for r in top["topics"]} == {("billing", 1), ("login", 1)}
    assert top["total_sessions"] == 1 and top["period"]["rating"] == "5"
    fine = {r["topic"]: r for r in staff.get(API + "?rating=4-5").get_json()["topics"]}
    assert fine["booking"]["sessions"] == 5 and fine["booking"]["avg_satisfaction"] == 4.0
    page = staff.get(PAGE + "?rating=4-5&resolved=true", headers=HTML).get_data(as_text=True)
    assert "resolved · rated 4-5" in page
    assert (
        'href="/admin/chat-analytics/?period=7d&amp;topic=billing&amp;resolved=true&amp;rating=4-5"' in page
    )
    empty = staff.get(API + "?start_date=2020-01-01&end_date=2020-01-31").get_json()
    assert empty["topics"] == [] and empty["total_sessions"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?period=1y", "period"),
        ("?user_type=robot", "user_type"),
        ("?start_date=2026-01-05&end_date=2026-01-01", "start_date"),
        ("?start_date=2026-01-01", "end_date"),
        ("?sort=loudest", "sort"),
        ("?dir=up", "dir"),
        ("?rating=6", "rating"),
    ],
)
def test_bad_parameters_get_400_naming_them(staff, query, field):
    response = staff.get(API + query)
    assert response.status_code == 400 and response.get_json()["field"] == field
    page = staff.get(PAGE + query, headers=HTML)
    assert page.status_code == 400 and f"<code>{field}</code>" in page.get_data(as_text=True)


def test_page_and_api_are_staff_only(app, client):
    assert client.get(API).status_code == 401
    assert client.get(PAGE, headers=HTML).status_code == 302
    with services_of(app.server).engine.begin() as conn:
        create_user(conn, "visitor", password=STAFF_PASSWORD, is_staff=False)
    login(client, "visitor", STAFF_PASSWORD)
    assert client.get(API).status_code == 403
    assert client.get(PAGE, headers=HTML).status_code == 403


def rows_of(html: str) -> list[str]:
    return re.findall(r'<tr class="topic-row[^"]*" data-topic="([^"]+)"', html)


def test_page_shows_one_row_per_topic_needing_attention_first(staff):
    html = staff.get(PAGE, headers=HTML).get_data(as_text=True)
    assert '<html lang="en">' in html and "<h1" in html and '<main id="main"' in html
    assert rows_of(html) == ["booking", "billing", "refunds", "login"]
    assert html.count('<th scope="row">') == 4 and html.count('scope="col"') == 12
    # The ordering applied is announced on its heading; only there.
    assert re.findall(r'aria-sort="(\w+)"', html) == ["descending"]
    assert re.search(r'aria-sort="descending"[^>]*>\s*<a href="[^"]*" data-sort="attention"', html)
    # Small samples are marked, and the rule is on the page.
    billing = html[html.index('data-topic="billing"') :]
    assert "few sessions" in billing[: billing.index("</tr>")]
    booking = html[html.index('data-topic="booking"') :]
    assert "few sessions" not in booking[: booking.index("</tr>")]
    assert "fewer than 20 sessions" in html
    # A topic opens the dashboard filtered to it, for the same period; the way back keeps it too.
    assert 'href="/admin/chat-analytics/?period=7d&amp;topic=billing"' in html
    assert 'id="dashboard-link"' in html and 'href="/admin/chat-analytics/?period=7d"' in html
    assert 'role="img" aria-label="Sessions per day' in html


def test_page_sorts_by_column_and_keeps_filters_in_the_address(staff):
    html = staff.get(PAGE + "?period=30d&user_type=client&sort=sessions&dir=asc", headers=HTML).get_data(
        as_text=True
    )
    assert rows_of(html) == ["login", "billing", "booking"]
    assert re.findall(r'aria-sort="(\w+)"', html) == ["ascending"]
    # A second click on the heading turns the order round; other headings keep the filters.
    assert 'href="?period=30d&amp;user_type=client&amp;sort=sessions&amp;dir=desc"' in html
    assert 'href="?period=30d&amp;user_type=client&amp;sort=share"' in html
    assert 'href="/admin/chat-analytics/?period=30d&amp;user_type=client&amp;topic=login"' in html
    assert '<option value="30d" selected>' in html and '<option value="client" selected>' in html


def test_page_form_reads_a_preset_or_the_days(staff):
    day = (NOW - 72 * H).date().isoformat()
    custom = staff.get(PAGE + f"?period=custom&start_date={day}&end_date={day}", headers=HTML)
    assert rows_of(custom.get_data(as_text=True)) == ["refunds"]
    preset = staff.get(PAGE + f"?period=24h&start_date={day}&end_date={day}", headers=HTML)
    assert "refunds" not in rows_of(preset.get_data(as_text=True))
    empty = staff.get(PAGE + "?period=custom&start_date=2020-01-01&end_date=2020-01-02", headers=HTML)
    assert 'id="no-topics"' in empty.get_data(as_text=True)


def test_the_dashboard_links_to_the_explorer_and_unknown_pages_stay_404(staff):
    (link,) = find_props(layout(staff), id="topics-link")
    assert link["href"] == PAGE
    assert staff.get(DASH + "no-such-page/", headers=HTML).status_code == 404
    assert staff.get(PAGE, headers=HTML).status_code == 200
