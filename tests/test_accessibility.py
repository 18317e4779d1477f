"""axe-core in Chromium: no critical or serious violation on the login page, the staff-only page, the
dashboard and the topic explorer."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from data.users import create_user
from tests.axe import blocking, by_impact, describe, run_axe
from tests.browser import press, sign_in
from tests.conftest import STAFF_PASSWORD, STAFF_USERNAME, add_staff
from web.context import services_of

CHARTS = 7


def open_login(dash_duo, app) -> None:
    """Start `app` and open its login page, signed out."""
    dash_duo.start_server(app, navigate=False)
    dash_duo.driver.get(dash_duo.server.url + "/login")
    dash_duo.wait_for_element("#username")


def assert_no_blocking(violations: list[dict]) -> None:
    serious = blocking(violations)
    assert not serious, f"{len(serious)} critical/serious axe violations:\n{describe(serious)}"


def test_login_page(dash_duo, app):
    open_login(dash_duo, app)
    assert_no_blocking(run_axe(dash_duo.driver))


def test_login_page_showing_an_error(dash_duo, app):
    open_login(dash_duo, app)
    dash_duo.find_element("#username").send_keys(STAFF_USERNAME)
    dash_duo.find_element("#password").send_keys("not the password")
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_element("#login-error")
    assert_no_blocking(run_axe(dash_duo.driver))


def test_staff_only_page(dash_duo, app):
    with services_of(app.server).engine.begin() as conn:
        create_user(conn, "visitor", password=STAFF_PASSWORD, is_staff=False)
    open_login(dash_duo, app)
    dash_duo.find_element("#username").send_keys("visitor")
    dash_duo.find_element("#password").send_keys(STAFF_PASSWORD)
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_text_to_equal("h2", "Staff only")
    assert_no_blocking(run_axe(dash_duo.driver))


def cards_and_charts_shown(driver) -> bool:
    """Every KPI card holds a figure, every chart is drawn and the sessions table shows its rows."""
    return driver.execute_script(
        """
        const kpis = [...document.querySelectorAll("[id^='kpi-'] .kpi-value")];
        const charts = [...document.querySelectorAll('.dash-graph .js-plotly-plot')];
        return kpis.length > 0 && kpis.every((el) => /\\d/.test(el.textContent))
            && charts.length >= arguments[0] && charts.every((p) => p._fullLayout && (p.data || []).length > 0)
            && !document.querySelector("[data-dash-is-loading='true']:not([id^='live-'])")
            && document.querySelectorAll('.ag-header-cell').length > 0
            && document.querySelectorAll('.ag-center-cols-container .ag-row').length > 0;
        """,
        CHARTS,
    )


def quiet_for(driver, selector: str, ms: int = 1000, timeout: float = 30) -> None:
    """Wait until nothing in `selector` has changed for `ms` (the grid renders its header and rows
    over several frames; axe must not look at a half-drawn grid)."""
    driver.execute_script(
        """
        window.__lastChange = performance.now();
        new MutationObserver(() => { window.__lastChange = performance.now(); })
            .observe(document.querySelector(arguments[0]), {subtree: true, childList: true, attributes: true, characterData: true});
        """,
        selector,
    )
    WebDriverWait(driver, timeout, poll_frequency=0.2).until(
        lambda d: d.execute_script("return performance.now() - window.__lastChange") >= ms
    )


def test_dashboard(dash_duo, make_app):
    from data.seed import generate

    app = make_app()
    generate(add_staff(app), sessions=300, days=30, active=3, seed=3)
    sign_in(dash_duo, app, STAFF_USERNAME, STAFF_PASSWORD)
    WebDriverWait(dash_duo.driver, 30, poll_frequency=0.2).until(cards_and_charts_shown)
    quiet_for(dash_duo.driver, "#sessions-grid")
    violations = run_axe(dash_duo.driver)
    print(describe(violations))  # every impact, for whoever fixes them (pytest -rx -s shows it)
    counts = {impact: len(found) for impact, found in by_impact(violations).items()}
    assert not blocking(violations), f"axe on the dashboard: {counts}\n{describe(violations)}"


def test_topic_explorer(dash_duo, make_app):
    from data.seed import generate

    app = make_app()
    generate(add_staff(app), sessions=300, days=30, active=3, seed=3)
    dash_duo.start_server(app, navigate=False)
    dash_duo.driver.get(dash_duo.server.url + "/admin/chat-analytics/topics/?period=30d")
    dash_duo.wait_for_element("#username").send_keys(STAFF_USERNAME)
    dash_duo.find_element("#password").send_keys(STAFF_PASSWORD)
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_element("#topics-table")
    assert_no_blocking(run_axe(dash_duo.driver))
    # On a phone the rows become cards: still no blocking violation.
    dash_duo.driver.set_window_size(390, 844)
    assert_no_blocking(run_axe(dash_duo.driver))


def test_alerts_page(dash_duo, make_app):
    """The alerts page with a firing rule, an undelivered notice and a refused form."""
    from datetime import UTC, datetime, timedelta

    from alerts.check import run_once
    from alerts.rules import create_rule, validate_rule
    from tests.builders import Msg, Spec, build, sid

    app = make_app()
    engine = add_staff(app)
    now = datetime.now(UTC)
    build(
        engine,
        [Spec(sid(1), "client", now - timedelta(hours=2), [Msg("user", 0), Msg("assistant", 5, 9000.0)])],
    )
    rule = {"name": "Slow answers", "metric": "avg_response_time", "window": "24h", "condition": "above",
            "threshold": "2000", "emails": ["lead@example.org"]}  # fmt: skip
    with engine.begin() as conn:
        create_rule(conn, validate_rule(rule), actor="lead")
        create_rule(conn, validate_rule({**rule, "name": "Quiet", "paused": True}), actor="lead")
    run_once(engine, services_of(app.server).config, {}, now=now)  # fires; the email fails (no SMTP_HOST)
    sign_in(dash_duo, app, STAFF_USERNAME, STAFF_PASSWORD)
    dash_duo.driver.get(dash_duo.server.url + "/admin/chat-analytics/alerts/")
    dash_duo.wait_for_element("#failed-table")
    assert_no_blocking(run_axe(dash_duo.driver))
    dash_duo.find_element("#threshold").send_keys("lots")
    press(dash_duo.driver, By.ID, "create-rule")
    dash_duo.wait_for_element("#rule-error")
    assert_no_blocking(run_axe(dash_duo.driver))


def test_dashboard_with_a_comparison(dash_duo, make_app):
    from data.seed import generate

    app = make_app()
    generate(add_staff(app), sessions=300, days=30, active=3, seed=3)
    # All users against providers (a user type of its own would leave the user-type chart without bars).
    path = "/admin/chat-analytics/?compare=user_type:provider"
    sign_in(dash_duo, app, STAFF_USERNAME, STAFF_PASSWORD, path)
    WebDriverWait(dash_duo.driver, 30, poll_frequency=0.2).until(cards_and_charts_shown)
    dash_duo.wait_for_contains_text("#kpi-sessions .kpi-other", "providers:", timeout=10)
    quiet_for(dash_duo.driver, "#sessions-grid")
    assert_no_blocking(run_axe(dash_duo.driver))
