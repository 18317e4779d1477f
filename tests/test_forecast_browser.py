"""In Chromium: the activity chart continues with a forecast on 30 days, and not on 7 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.browser import sign_in, text_of
from tests.builders import Msg, Spec, build, sid
from tests.conftest import STAFF_PASSWORD, STAFF_USERNAME, add_staff
from tests.test_dashboard_browser import FIRST_LOAD_S, click_preset

NOW = datetime.now(UTC)
DAYS = 29  # one session a day, 1..29 days ago: four weeks of whole days in the last 30

TRACES = "return document.querySelector('#chart-activity .js-plotly-plot').data.map(t => t.name)"


def specs() -> list[Spec]:
    return [
        Spec(sid(n), "client", NOW - timedelta(days=n), [Msg("user", 0), Msg("assistant", 2, 300.0)])
        for n in range(1, DAYS + 1)
    ]


def trace_names(dash_duo) -> list[str]:
    return dash_duo.driver.execute_script(TRACES)


def test_the_30_day_activity_chart_has_a_forecast_and_the_7_day_one_none(dash_duo, make_app):
    app = make_app(live_interval_ms=60_000)
    build(add_staff(app), specs())
    sign_in(dash_duo, app, STAFF_USERNAME, STAFF_PASSWORD)
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "6", timeout=FIRST_LOAD_S)  # 7 days
    dash_duo.wait_for_contains_text("#chart-activity-summary", "6 sessions", timeout=10)
    assert trace_names(dash_duo) == ["Sessions", "Messages"]
    assert "Forecast" not in text_of(dash_duo, "#chart-activity-summary")

    click_preset(dash_duo, "Last 30 days")
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", str(DAYS), timeout=10)
    dash_duo.wait_for_contains_text("#chart-activity-summary", "Forecast for", timeout=20)
    names = trace_names(dash_duo)
    assert "Sessions forecast" in names and "Messages forecast" in names
    assert "Sessions forecast, 80% range" in names
    # One session a day: about 7 expected over the next week.
    assert "about 7 sessions" in text_of(dash_duo, "#chart-activity-summary")
