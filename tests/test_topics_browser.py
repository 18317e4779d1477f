"""In Chromium: the topic explorer shows a topic's figures as raw SQL counts them, sorts by a
column heading, and a click on a topic opens the dashboard filtered to it; the dashboard's segment
controls filter its cards and are kept in the address."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from sqlalchemy import bindparam, text

from data.schema import UTCDateTime
from tests.browser import sign_in
from tests.builders import Msg, Spec, build, sid
from tests.conftest import STAFF_PASSWORD, STAFF_USERNAME, add_staff

NOW = datetime.now(UTC)
H = timedelta(hours=1)
PAGE = "/admin/chat-analytics/topics/"
LOAD_S = 30


def specs() -> list[Spec]:
    """Last 7 days: billing 4 sessions (3 resolved), refunds 2 (0 resolved), booking 1; older: billing."""
    chat = [Msg("user", 0), Msg("assistant", 5, ms=400.0)]
    rows = [
        (3, ["billing"], True), (10, ["billing", "refunds"], False), (30, ["billing"], True),
        (60, ["billing"], True), (90, ["refunds"], False), (120, ["booking"], True), (24 * 9, ["billing"], True),
    ]  # fmt: skip
    return [
        Spec(
            sid(n + 1),
            "client",
            NOW - hours * H,
            list(chat),
            topics=topics,
            resolved=resolved,
            rating=4 if resolved else 2,
        )
        for n, (hours, topics, resolved) in enumerate(rows)
    ]


def open_explorer(dash_duo, app, path: str = PAGE + "?period=7d") -> None:
    """Start `app`, open the explorer (landing on the login page), sign in, wait for the table."""
    dash_duo.start_server(app, navigate=False)
    dash_duo.driver.get(dash_duo.server.url + path)
    dash_duo.wait_for_element("#username").send_keys(STAFF_USERNAME)
    dash_duo.find_element("#password").send_keys(STAFF_PASSWORD)
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_element("#topics-table", timeout=LOAD_S)


def raw_topic_figures(engine, topic: str) -> tuple[int, float]:
    """Sessions of the last 7 days that discussed `topic`, and the resolution rate of the closed ones."""
    with engine.connect() as conn:
        n, closed, resolved = conn.execute(
            text(
                """SELECT COUNT(*), COUNT(a.session_id), SUM(CASE WHEN a.resolved THEN 1 ELSE 0 END)
                FROM session_topics t JOIN chat_sessions s ON s.session_id = t.session_id
                LEFT JOIN chat_analytics a ON a.session_id = t.session_id
                WHERE t.topic = :topic AND s.created_at >= :start"""
            ).bindparams(bindparam("start", type_=UTCDateTime)),
            {"topic": topic, "start": datetime.now(UTC) - timedelta(days=7)},
        ).one()
    return n, resolved / closed * 100


def cell(dash_duo, topic: str, column: str) -> str:
    return dash_duo.find_element(f'tr[data-topic="{topic}"] td[data-col="{column}"]').text


def topics_shown(dash_duo) -> list[str]:
    rows = dash_duo.driver.find_elements(By.CSS_SELECTOR, "tr.topic-row")
    return [r.get_attribute("data-topic") for r in rows]


def test_explorer_figures_sorting_and_the_way_to_the_dashboard(dash_duo, make_app):
    app = make_app()
    engine = add_staff(app)
    build(engine, specs())
    open_explorer(dash_duo, app)

    sessions, rate = raw_topic_figures(engine, "billing")
    assert (sessions, rate) == (4, 75.0)  # and by hand from the specs
    assert cell(dash_duo, "billing", "sessions") == str(sessions)
    assert cell(dash_duo, "billing", "resolution_rate") == f"{rate:.1f}%"
    # Needs attention first: refunds leaves 2 sessions unresolved, billing 1, booking 0.
    assert topics_shown(dash_duo) == ["refunds", "billing", "booking"]

    dash_duo.find_element('th a[data-sort="sessions"]').click()
    dash_duo.wait_for_element('th[aria-sort="descending"] a[data-sort="sessions"]')
    assert topics_shown(dash_duo) == ["billing", "refunds", "booking"]
    dash_duo.find_element('th a[data-sort="sessions"]').click()
    dash_duo.wait_for_element('th[aria-sort="ascending"] a[data-sort="sessions"]')
    assert topics_shown(dash_duo) == ["booking", "refunds", "billing"]
    query = parse_qs(urlsplit(dash_duo.driver.current_url).query)
    assert query == {"period": ["7d"], "sort": ["sessions"], "dir": ["asc"]}

    dash_duo.find_element('tr[data-topic="billing"] a.topic-link').click()
    dash_duo.wait_for_text_to_equal("#topic-chip-name", "billing", timeout=LOAD_S)
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", str(sessions), timeout=LOAD_S)
    query = parse_qs(urlsplit(dash_duo.driver.current_url).query)
    assert query == {"period": ["7d"], "topic": ["billing"]}
    # And back: the header's link to the explorer keeps the period, not the topic.
    link = dash_duo.find_element("#topics-link")
    assert urlsplit(link.get_attribute("href")).query == "period=7d"
    link.click()
    dash_duo.wait_for_element("#topics-table", timeout=LOAD_S)
    assert topics_shown(dash_duo) == ["refunds", "billing", "booking"]


def test_dashboard_segment_controls_filter_the_cards_and_the_address(dash_duo, make_app):
    app = make_app()
    build(add_staff(app), specs())
    sign_in(dash_duo, app, STAFF_USERNAME, STAFF_PASSWORD, path="/admin/chat-analytics/?period=7d")
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "6", timeout=LOAD_S)
    # Rated 1-2: the two unresolved sessions of the last 7 days (by hand from the specs).
    Select(dash_duo.find_element("#seg-rating")).select_by_value("1-2")
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "2", timeout=LOAD_S)
    Select(dash_duo.find_element("#seg-resolved")).select_by_value("true")
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "0", timeout=LOAD_S)
    query = parse_qs(urlsplit(dash_duo.driver.current_url).query)
    assert query == {"period": ["7d"], "rating": ["1-2"], "resolved": ["true"]}
    Select(dash_duo.find_element("#seg-resolved")).select_by_value("all")
    Select(dash_duo.find_element("#seg-rating")).select_by_value("all")
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "6", timeout=LOAD_S)
    assert parse_qs(urlsplit(dash_duo.driver.current_url).query) == {"period": ["7d"]}
