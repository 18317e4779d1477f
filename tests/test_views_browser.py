"""In Chromium: save the filters on screen as a view, move elsewhere, open the view from the Views
menu and see its filters and its figures again; rename and delete it; axe on the open menu and
dialog. Expected figures are counted by hand from the dashboard's fixture specs."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import text

from tests.axe import blocking, describe, run_axe
from tests.browser import press, sign_in
from tests.builders import build
from tests.conftest import STAFF_PASSWORD, STAFF_USERNAME, add_staff
from tests.test_dashboard_browser import FIRST_LOAD_S, click_preset, console_errors, kpi, query, specs

MENU = "#views-menu .views-toggle"


@pytest.fixture
def dashboard(dash_duo, make_app):
    """The dashboard on the fixture specs, signed in; `.engine` is the app's database."""
    app = make_app(live_interval_ms=60_000)
    dash_duo.engine = add_staff(app)
    build(dash_duo.engine, specs())
    sign_in(dash_duo, app, STAFF_USERNAME, STAFF_PASSWORD)
    dash_duo.wait_for_element("#kpi-sessions .kpi-value", timeout=FIRST_LOAD_S)
    return dash_duo


def assert_axe_clean(dash_duo) -> None:
    serious = blocking(run_axe(dash_duo.driver))
    assert not serious, describe(serious)


def stored(dash_duo) -> list[tuple]:
    with dash_duo.engine.connect() as conn:
        return [
            tuple(r) for r in conn.execute(text("SELECT name, query, shared FROM saved_views ORDER BY id"))
        ]


def open_menu(dash_duo) -> None:
    press(dash_duo.driver, By.CSS_SELECTOR, MENU)
    dash_duo.wait_for_element("#views-menu .dropdown-menu.show")


def test_save_a_view_then_reopen_it_from_the_menu(dashboard):
    dash_duo = dashboard
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "6", timeout=10)
    # Last 30 days, anonymous users: sessions 7-10 of the fixture (4 sessions, ratings 5, 2, 5, 5).
    click_preset(dash_duo, "Last 30 days")
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "10", timeout=10)
    Select(dash_duo.find_element("#user-type")).select_by_value("anonymous")
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "4", timeout=10)

    open_menu(dash_duo)
    press(dash_duo.driver, By.ID, "views-save-open")
    name = dash_duo.wait_for_element("#views-save-name")
    dash_duo.wait_for_contains_text("#views-save-scope", "Last 30 days · anonymous", timeout=10)
    name.send_keys("Anonymous month")
    dash_duo.find_element("#views-save-shared").click()
    assert_axe_clean(dash_duo)  # the dialog open
    press(dash_duo.driver, By.ID, "views-save-submit")
    WebDriverWait(dash_duo.driver, 10).until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".modal.show"))
    assert stored(dash_duo) == [("Anonymous month", "?period=30d&user_type=anonymous", True)]

    # Elsewhere: last 24 hours, all users (3 sessions).
    dash_duo.driver.get(dash_duo.server.url + "/admin/chat-analytics/?period=24h")
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "3", timeout=20)
    open_menu(dash_duo)
    assert_axe_clean(dash_duo)  # the menu open
    item = dash_duo.driver.find_element(By.XPATH, "//*[@id='views-list']//a[contains(., 'Anonymous month')]")
    assert "shared" in item.text
    item.click()
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "4", timeout=10)
    assert kpi(dash_duo, "avg_satisfaction") == f"{(5 + 2 + 5 + 5) / 4:.2f} / 5"
    assert dash_duo.find_element("#user-type").get_attribute("value") == "anonymous"
    assert "view" in query(dash_duo)
    dash_duo.wait_for_contains_text(".views-toggle", "Views: Anonymous month", timeout=10)
    # The period control shows the view's period.
    checked = dash_duo.driver.find_element(By.CSS_SELECTOR, "#preset input:checked")
    assert checked.get_attribute("value") == "30d"
    assert console_errors(dash_duo) == []


def test_rename_and_delete_from_the_menu_by_keyboard(dashboard):
    dash_duo = dashboard
    dash_duo.wait_for_text_to_equal("#kpi-sessions .kpi-value", "6", timeout=10)
    open_menu(dash_duo)
    press(dash_duo.driver, By.ID, "views-save-open")
    dash_duo.wait_for_element("#views-save-name").send_keys("Week")
    press(dash_duo.driver, By.ID, "views-save-submit")
    WebDriverWait(dash_duo.driver, 10).until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".modal.show"))

    # The menu is reachable by keyboard: focus its button, open with Enter, move with the arrows.
    toggle = dash_duo.find_element(MENU)
    dash_duo.driver.execute_script("arguments[0].focus()", toggle)
    toggle.send_keys(Keys.ENTER)
    dash_duo.wait_for_element("#views-menu .dropdown-menu.show")
    for _ in range(8):  # down the items to "Rename or delete…"
        dash_duo.driver.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
        if dash_duo.driver.switch_to.active_element.get_attribute("id") == "views-manage-open":
            break
    dash_duo.driver.switch_to.active_element.send_keys(Keys.ENTER)
    dash_duo.wait_for_element(".modal.show #views-manage-modal")
    Select(dash_duo.find_element("#views-manage-pick")).select_by_visible_text("Week")
    dash_duo.wait_for_contains_text("#views-manage-link", "?view=", timeout=10)
    new_name = dash_duo.find_element("#views-manage-name")
    WebDriverWait(dash_duo.driver, 10).until(lambda d: new_name.get_attribute("value") == "Week")
    new_name.send_keys(Keys.END, " by week")
    press(dash_duo.driver, By.ID, "views-rename")
    dash_duo.wait_for_contains_text("#views-manage-feedback", "is now “Week by week”", timeout=10)
    assert stored(dash_duo) == [("Week by week", "?period=7d", False)]

    press(dash_duo.driver, By.ID, "views-delete")
    press(dash_duo.driver, By.ID, "views-delete-confirm")
    dash_duo.wait_for_contains_text("#views-manage-feedback", "deleted", timeout=10)
    press(dash_duo.driver, By.ID, "views-manage-close")
    open_menu(dash_duo)
    dash_duo.wait_for_contains_text("#views-list", "None saved yet", timeout=10)
    assert stored(dash_duo) == []
    assert console_errors(dash_duo) == []
