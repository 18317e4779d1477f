"""In Chromium: pick a segment to compare with from the filter bar, read both values on the Sessions
card (counted by hand from the dashboard's fixture specs) and the dashed second series on the
activity chart; back to "Nothing" and the comparison is gone."""

from __future__ import annotations

from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.test_dashboard_browser import console_errors, kpi, open_dashboard, query

TRACES = "return (document.querySelector('#chart-activity .js-plotly-plot').data || []).map(t => t.name)"


def trace_names(dash_duo) -> list[str]:
    return dash_duo.driver.execute_script(TRACES)


def test_compare_clients_with_providers_then_clear(dash_duo, make_app):
    open_dashboard(dash_duo, make_app, live_interval_ms=60_000)
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "6", timeout=10)
    # Last 7 days: five clients' sessions and one provider's; 5 against 1 is +400%.
    Select(dash_duo.find_element("#user-type")).select_by_value("client")
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "5", timeout=10)
    compare = dash_duo.find_element("#compare")
    assert dash_duo.find_element("label[for='compare']").text == "Compare with"
    Select(compare).select_by_value("user_type:provider")
    dash_duo.wait_for_text_to_equal(
        "#kpi-sessions .kpi-other", "providers: 1 · difference +400.0%", timeout=10
    )
    assert kpi(dash_duo, "sessions") == "5"
    assert query(dash_duo)["compare"] == "user_type:provider"
    WebDriverWait(dash_duo.driver, 10).until(lambda _: "Sessions, providers" in trace_names(dash_duo))
    assert (
        "Providers (dashed violet line): 1 sessions" in dash_duo.find_element("#chart-activity-summary").text
    )

    Select(compare).select_by_value("none")
    WebDriverWait(dash_duo.driver, 10).until(
        lambda d: not d.find_elements("css selector", "#kpi-sessions .kpi-other")
    )
    WebDriverWait(dash_duo.driver, 10).until(lambda _: "Sessions, providers" not in trace_names(dash_duo))
    assert "compare" not in query(dash_duo) and query(dash_duo)["user_type"] == "client"
    assert kpi(dash_duo, "sessions") == "5"
    # Back reopens the comparison: the address holds it.
    dash_duo.driver.back()
    dash_duo.wait_for_text_to_equal(
        "#kpi-sessions .kpi-other", "providers: 1 · difference +400.0%", timeout=10
    )
    assert compare.get_attribute("value") == "user_type:provider"
    assert not console_errors(dash_duo)
