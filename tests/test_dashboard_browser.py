"""In Chromium: the dashboard's filters, KPI cards, charts, table, transcript and export links.

Every expected number is counted by hand from the fixture specs below (or by raw SQL), never by
the metrics module.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from plotly.offline import get_plotlyjs_version
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.browser import sign_in, text_of
from tests.builders import Msg, Spec, build, sid
from tests.conftest import STAFF_PASSWORD, STAFF_USERNAME, add_staff

NOW = datetime.now(UTC)
FIRST_LOAD_S = 30


def specs() -> list[Spec]:
    """Last 24 h: 2 client + 1 provider; 2-6 days ago: 3 client; 10-20 days ago: 4 anonymous."""
    chat = [Msg("user", 0), Msg("assistant", 5, ms=400.0), Msg("user", 30), Msg("assistant", 35, ms=800.0)]
    out = []
    for n, (hours_ago, user_type, topics, resolved) in enumerate(
        [
            (2, "client", ["billing"], True),
            (5, "client", ["billing", "refunds"], False),
            (8, "provider", ["provider onboarding"], True),
            (50, "client", ["booking"], True),
            (100, "client", ["booking", "billing"], False),
            (140, "client", ["cancellations"], True),
            (24 * 10, "anonymous", ["booking"], True),
            (24 * 12, "anonymous", ["privacy"], False),
            (24 * 15, "anonymous", ["booking"], True),
            (24 * 20, "anonymous", ["booking"], True),
        ]
    ):
        out.append(
            Spec(
                sid(n + 1),
                user_type,
                NOW - timedelta(hours=hours_ago),
                messages=list(chat[: 2 + 2 * (n % 2)]),
                topics=topics,
                rating=5 if resolved else 2,
                resolved=resolved,
            )
        )
    return out


def open_dashboard(dash_duo, make_app, live_interval_ms: int) -> None:
    """An app holding the fixture specs and the staff account, signed in to in Chromium."""
    app = make_app(live_interval_ms=live_interval_ms)
    build(add_staff(app), specs())
    sign_in(dash_duo, app, STAFF_USERNAME, STAFF_PASSWORD)
    # The first figures (a cold page: the bundles evaluate first) may take a while on a busy machine.
    dash_duo.wait_for_element("#kpi-sessions .kpi-value", timeout=FIRST_LOAD_S)


@pytest.fixture
def dashboard(dash_duo, make_app):
    open_dashboard(dash_duo, make_app, live_interval_ms=60_000)
    return dash_duo


def console_errors(dash_duo) -> list[str]:
    """Severe messages in the browser console (failed requests, script errors, CSP blocks)."""
    return [entry["message"] for entry in dash_duo.get_logs() or [] if entry["level"] == "SEVERE"]


def kpi(dash_duo, key: str) -> str:
    return text_of(dash_duo, f"#kpi-{key} .kpi-value")


def query(dash_duo) -> dict:
    return {k: v[-1] for k, v in parse_qs(urlsplit(dash_duo.driver.current_url).query).items()}


def click_preset(dash_duo, label: str) -> None:
    dash_duo.driver.find_element(By.XPATH, f"//label[normalize-space()='{label}']").click()


def test_presets_change_cards_url_and_back_button(dashboard):
    dash_duo = dashboard
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "6", timeout=10)  # default: last 7 days
    assert kpi(dash_duo, "messages") == str(2 + 4 + 2 + 4 + 2 + 4)
    assert query(dash_duo) == {"period": "7d"}
    assert text_of(dash_duo, "#period-label").startswith("Last 7 days · ")

    click_preset(dash_duo, "Last 24 hours")
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "3", timeout=10)
    assert query(dash_duo) == {"period": "24h"}
    # 24 h: 3 sessions, resolved 2 of 3 closed
    assert kpi(dash_duo, "resolution_rate") == "66.7%"
    # Median of the answers 400, 400, 800, 400 (sessions 1-3: 1 answer, 2 answers, 1 answer).
    assert kpi(dash_duo, "p50_response_time") == "400 ms"

    click_preset(dash_duo, "Last 30 days")
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "10", timeout=10)
    assert query(dash_duo) == {"period": "30d"}

    dash_duo.driver.back()
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "3", timeout=10)
    assert query(dash_duo) == {"period": "24h"}
    assert console_errors(dash_duo) == []


def test_user_type_filter_and_export_links_carry_the_filters(dashboard):
    dash_duo = dashboard
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "6", timeout=10)
    click_preset(dash_duo, "Last 30 days")
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "10", timeout=10)
    Select(dash_duo.find_element("#user-type")).select_by_value("anonymous")
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "4", timeout=10)
    assert query(dash_duo) == {"period": "30d", "user_type": "anonymous"}
    assert kpi(dash_duo, "avg_satisfaction") == f"{(5 + 2 + 5 + 5) / 4:.2f} / 5"

    href = dash_duo.find_element("#export-messages").get_attribute("href")
    parts = urlsplit(href)
    assert parts.path == "/admin/chat-analytics/export/messages/"
    params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    # Exactly the filters on screen: the same rolling 30 days, not the calendar days around them.
    assert params == {"period": "30d", "user_type": "anonymous"}


def test_link_with_custom_range_reopens_that_view_and_empty_period_says_so(dashboard):
    dash_duo = dashboard
    day = (NOW - timedelta(days=12)).date().isoformat()
    dash_duo.driver.get(dash_duo.server.url + f"/admin/chat-analytics/?start_date={day}&end_date={day}")
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "1", timeout=10)
    assert dash_duo.find_element("#date-start").get_attribute("value") == day
    assert dash_duo.find_element("#date-end").get_attribute("value") == day
    assert query(dash_duo) == {"start_date": day, "end_date": day}

    empty = (NOW - timedelta(days=60)).date().isoformat()
    dash_duo.driver.get(dash_duo.server.url + f"/admin/chat-analytics/?start_date={empty}&end_date={empty}")
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "0", timeout=10)
    dash_duo.wait_for_contains_text("#period-alert", "No sessions in this period", timeout=10)
    assert kpi(dash_duo, "p50_response_time") == "—"
    dash_duo.wait_for_contains_text("#chart-activity", "No sessions in this period", timeout=10)


def test_topic_click_filters_the_whole_page_and_row_opens_transcript(dashboard):
    dash_duo = dashboard
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "6", timeout=10)
    dash_duo.wait_for_contains_text("#sessions-caption", "6 in the period", timeout=10)
    # Top topics in 7 days: billing 3 sessions (1, 2, 5), booking 2, refunds 1, ... -> billing on top.
    dash_duo.wait_for_element("#chart-topics .bars .point path")
    bars = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#chart-topics .bars .point path")
    top = max(bars, key=lambda b: b.size["width"])
    ActionChains(dash_duo.driver).move_to_element(top).click().perform()
    # The whole page follows: cards, table, address, chip; messages of sessions 1, 2, 5 = 2 + 4 + 2.
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "3", timeout=10)
    assert kpi(dash_duo, "messages") == "8"
    dash_duo.wait_for_contains_text(
        "#sessions-caption", "3 in the period that discussed “billing”", timeout=10
    )
    assert query(dash_duo) == {"period": "7d", "topic": "billing"}
    assert text_of(dash_duo, "#topic-chip-name") == "billing"
    href = dash_duo.find_element("#export-sessions").get_attribute("href")
    assert {k: v[-1] for k, v in parse_qs(urlsplit(href).query).items()} == {
        "period": "7d",
        "topic": "billing",
    }

    first_row = dash_duo.wait_for_element(".ag-center-cols-container .ag-row[row-index='0'] .ag-cell")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", first_row)
    ActionChains(dash_duo.driver).move_to_element(first_row).click().perform()
    dash_duo.wait_for_element("#transcript .transcript-message")
    # Newest billing session is session 1 (2 h ago): 2 messages.
    messages = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#transcript .transcript-message")
    assert len(messages) == 2
    dash_duo.wait_for_contains_text("#transcript", "400 ms", timeout=10)

    assert console_errors(dash_duo) == []
    dash_duo.find_element("#transcript .btn-close").click()
    # The chip is a real button: keyboard focus and Enter clear the filter.
    chip = dash_duo.find_element("#topic-clear")
    dash_duo.driver.execute_script("arguments[0].focus()", chip)
    chip.send_keys("\n")
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "6", timeout=10)
    dash_duo.wait_for_contains_text("#sessions-caption", "6 in the period", timeout=10)
    assert query(dash_duo) == {"period": "7d"}


def test_bad_links_say_what_was_not_read_and_unknown_pages_are_404(dashboard):
    dash_duo = dashboard
    future = (NOW + timedelta(days=3)).date().isoformat()
    for search, said in (
        ("?period=bogus", "period must be one of"),
        ("?start_date=2020-13-45&end_date=2020-12-01", "start_date must be a date"),
        ("?start_date=2026-01-01", "end_date is required"),
        ("?user_type=robots", "user_type must be one of"),
        (f"?start_date={future}&end_date={future}", "in the future"),
    ):
        dash_duo.driver.get(dash_duo.server.url + "/admin/chat-analytics/" + search)
        dash_duo.wait_for_contains_text("#link-alert", said, timeout=10)
        assert "Showing Last 7 days" in text_of(dash_duo, "#link-alert")
        dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "6", timeout=10)
    dash_duo.driver.get(dash_duo.server.url + "/admin/chat-analytics/nope")
    assert "Page not found" in dash_duo.find_element("h1").text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_outage_shows_banner_and_the_dashboard_recovers_by_itself(dash_duo, make_app, database_url):
    import os

    from sqlalchemy import make_url

    open_dashboard(dash_duo, make_app, live_interval_ms=700)
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "6", timeout=10)

    path = make_url(database_url).database
    files = [p for p in (path, path + "-wal", path + "-shm") if os.path.exists(p)]
    for name in files:
        os.rename(name, name + ".away")
    click_preset(dash_duo, "Last 30 days")
    dash_duo.wait_for_contains_text("#db-error", "not answering", timeout=10)
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "—", timeout=10)
    dash_duo.wait_for_contains_text("#live-updated", "database is not answering", timeout=10)
    dash_duo.wait_for_text_to_equal("#live-badge", "stale", timeout=5)

    for name in files:
        os.rename(name + ".away", name)
    # No click: the next live tick finds the database back, closes the banner, refills the cards.
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "10", timeout=15)
    dash_duo.wait_for_no_elements("#db-error.show", timeout=5)
    dash_duo.wait_for_text_to_equal("#live-badge", "live", timeout=5)
    dash_duo.wait_for_contains_text("#live-updated", "Updated ", timeout=5)


def test_each_export_button_downloads_what_its_card_counts(dashboard):
    from tests.browser import download_with_session

    dash_duo = dashboard
    Select(dash_duo.find_element("#user-type")).select_by_value("client")
    # Clients in 7 days: sessions 1, 2, 4, 5, 6 (by hand from the specs).
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "5", timeout=10)
    dash_duo.wait_for_contains_text("#export-scope", "clients", timeout=10)
    for kind, card in (("sessions", "sessions"), ("messages", "messages")):
        button = dash_duo.find_element(f"#export-{kind}")
        rows = download_with_session(dash_duo, button.get_attribute("href")).decode().strip().splitlines()[1:]
        assert len(rows) == int(kpi(dash_duo, card).replace(",", "")), kind
    # A click says the download started and what the file holds.
    dash_duo.driver.execute_script("arguments[0].addEventListener('click', e => e.preventDefault())", button)
    button.click()
    dash_duo.wait_for_contains_text("#export-toast", "Messages CSV downloading", timeout=10)
    assert "clients" in text_of(dash_duo, "#export-toast")


def _disclosed_table(dash_duo, chart: str) -> dict[str, list[str]]:
    """Open the chart's "Show the data as a table" and return its rows by first cell."""
    summary = dash_duo.find_element(f"#{chart}-disclosure > summary")
    # A script click: on the test's small window a chart's hover layer can sit over the summary.
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center'}); arguments[0].click()", summary
    )
    dash_duo.wait_for_element(f"#{chart}-table table tbody tr", timeout=10)
    rows = dash_duo.driver.find_elements(By.CSS_SELECTOR, f"#{chart}-table table tbody tr")
    cells = [[td.text for td in row.find_elements(By.CSS_SELECTOR, "td, th")] for row in rows]
    return {c[0]: c[1:] for c in cells}


def test_each_chart_has_a_summary_and_its_data_as_a_table(dash_duo, make_app):
    """The text alternative of the charts, counted by hand from the specs (7 days: sessions 1-6),
    with a topic whose name would be Markdown shown literally."""
    app = make_app(live_interval_ms=60_000)
    odd = "*vip* | refunds_[2](x)"
    extra = Spec(sid(99), "client", NOW - timedelta(hours=3), messages=[Msg("user", 0)], topics=[odd])
    build(add_staff(app), [*specs(), extra])
    sign_in(dash_duo, app, STAFF_USERNAME, STAFF_PASSWORD)
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "7", timeout=FIRST_LOAD_S)
    dash_duo.wait_for_contains_text("#chart-activity-summary", "7 sessions", timeout=10)
    activity = _disclosed_table(dash_duo, "chart-activity")
    assert sum(int(cells[0]) for cells in activity.values()) == 7
    topics = {name: int(cells[0]) for name, cells in _disclosed_table(dash_duo, "chart-topics").items()}
    assert topics == {
        "billing": 3,
        "booking": 2,
        "refunds": 1,
        "provider onboarding": 1,
        "cancellations": 1,
        odd: 1,
    }


def _shown_table(dash_duo, chart: str) -> dict[str, list[str]]:
    """The rows of the chart's data table as drawn now, by first cell ({} when none is drawn)."""
    # Read in one script: the table may be redrawn between two WebDriver calls.
    cells = dash_duo.driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map("
        "row => [...row.querySelectorAll('td, th')].map(cell => cell.textContent.trim()))",
        f"#{chart}-table table tbody tr",
    )
    return {c[0]: c[1:] for c in cells}


def _toggle_table(dash_duo, chart: str) -> None:
    """Press the chart's "Show the data as a table" summary with the keyboard (Enter), as a
    keyboard user opens or closes it."""
    summary = dash_duo.find_element(f"#{chart}-disclosure > summary")
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus()", summary
    )
    summary.send_keys(Keys.ENTER)


def _wait_for_table(dash_duo, chart: str, expected: dict[str, int]) -> None:
    """Until the chart's drawn table holds exactly `expected` (first cell -> count)."""
    WebDriverWait(dash_duo.driver, 10).until(
        lambda _: {name: int(cells[0]) for name, cells in _shown_table(dash_duo, chart).items()} == expected,
        f"{chart}'s table never showed {expected}: {_shown_table(dash_duo, chart)}",
    )


def test_a_chart_table_is_drawn_when_opened_and_follows_the_period_while_open(dashboard):
    """A closed disclosure holds no table; opened (keyboard), it shows the period's rows, follows a
    period change while open, and after closing shows the newest period's rows when reopened.
    Topic counts by hand from the specs (sessions 1-6 in 7 days, 1-3 in 24 hours, all in 30 days)."""
    dash_duo = dashboard
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "6", timeout=10)  # last 7 days
    dash_duo.wait_for_contains_text("#chart-topics-summary", "Most: billing (3 sessions)", timeout=10)
    disclosure = dash_duo.find_element("#chart-topics-disclosure")
    assert disclosure.get_attribute("open") is None
    assert _shown_table(dash_duo, "chart-topics") == {}  # closed: nothing drawn

    _toggle_table(dash_duo, "chart-topics")
    week = {"billing": 3, "booking": 2, "refunds": 1, "provider onboarding": 1, "cancellations": 1}
    _wait_for_table(dash_duo, "chart-topics", week)
    assert disclosure.get_attribute("open") is not None
    header = [
        th.text for th in dash_duo.driver.find_elements(By.CSS_SELECTOR, "#chart-topics-table thead th")
    ]
    assert header == ["Topic", "Sessions"]

    def choose(label: str) -> None:  # a script click: the page scrolls while the table redraws
        button = dash_duo.driver.find_element(By.XPATH, f"//label[normalize-space()='{label}']")
        dash_duo.driver.execute_script("arguments[0].click()", button)

    choose("Last 24 hours")  # open: the table follows
    _wait_for_table(dash_duo, "chart-topics", {"billing": 2, "refunds": 1, "provider onboarding": 1})

    _toggle_table(dash_duo, "chart-topics")  # closed, then a new period: no stale rows kept
    WebDriverWait(dash_duo.driver, 10).until(lambda _: disclosure.get_attribute("open") is None)
    choose("Last 30 days")
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "10", timeout=10)
    WebDriverWait(dash_duo.driver, 10).until(lambda _: _shown_table(dash_duo, "chart-topics") == {})

    _toggle_table(dash_duo, "chart-topics")
    month = {**week, "booking": 5, "privacy": 1}
    _wait_for_table(dash_duo, "chart-topics", month)
    # Another chart's table, never opened, was never drawn.
    assert _shown_table(dash_duo, "chart-activity") == {}
    assert console_errors(dash_duo) == []


def test_every_chart_draws_with_the_small_plotly_bundle_and_the_full_one_is_never_fetched(dashboard):
    """The page carries plotly.js's cartesian bundle (1.5 MB, not the 4.7 MB full one): every trace
    type the dashboard uses is drawn with it, and it is the plotly.js release plotly.py expects."""
    driver = dashboard.driver
    drawn = {
        "chart-activity": ".barlayer .point",
        "chart-response": ".scatterlayer .trace",
        "chart-topics": ".barlayer .point",
        "chart-issues": ".barlayer .point",
        "chart-user-types": ".pielayer .slice",
        "chart-satisfaction": ".barlayer .point",
        "chart-heatmap": ".hm image",
    }
    for chart, mark in drawn.items():
        dashboard.wait_for_element(f"#{chart} {mark}", timeout=FIRST_LOAD_S)
    assert driver.execute_script("return window.Plotly.version") == get_plotlyjs_version()
    fetched = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert any("plotly-cartesian.min.js" in url for url in fetched)
    assert not [url for url in fetched if "package_data/plotly.min.js" in url]


def test_the_browsers_own_string_functions_survive_dashs_polyfill(dashboard):
    """Dash's @babel/polyfill swaps trim, parseInt and parseFloat for slower script versions that
    still count U+180E as white space (and disguises them as native code); assets/native-strings.js
    puts the browser's back, which, as Unicode 6.3 and later say, keep it."""
    kept = dashboard.driver.execute_script(
        "const s = '\\u180e';"
        "return [(s + ' 12 ').trim() === s + ' 12', Number.isNaN(parseInt(s + '12')),"
        " Number.isNaN(parseFloat(s + '1.5')), Number.parseInt === parseInt,"
        " Number.parseFloat === parseFloat, ' 0x1f '.trim() === '0x1f', parseInt(' 0x1f') === 31];"
    )
    assert kept == [True] * 7
    assert console_errors(dashboard) == []
