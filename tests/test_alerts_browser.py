"""In Chromium: from the dashboard's header to the alerts page, then create, edit, pause, resume and
delete a rule with the page's own forms."""

from __future__ import annotations

from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import text

from tests.browser import press, sign_in
from tests.conftest import STAFF_PASSWORD, STAFF_USERNAME, add_staff


def row_text(dash_duo, name: str) -> str:
    return dash_duo.driver.find_element(By.CSS_SELECTOR, f"tr[data-rule-name='{name}']").text


def wait_for(dash_duo, predicate, timeout: float = 15) -> None:
    """Poll `predicate` until true; an element gone or replaced meanwhile (the form's answer is a new
    page; Chromium may report that as a bare WebDriverException) is another try, not a failure."""
    WebDriverWait(
        dash_duo.driver,
        timeout,
        poll_frequency=0.2,
        ignored_exceptions=(NoSuchElementException, StaleElementReferenceException, WebDriverException),
    ).until(lambda d: predicate())


def test_create_edit_pause_and_delete_a_rule(dash_duo, make_app):
    app = make_app()
    engine = add_staff(app)
    sign_in(dash_duo, app, STAFF_USERNAME, STAFF_PASSWORD)
    dash_duo.wait_for_element("#alerts-link")
    press(dash_duo.driver, By.ID, "alerts-link")
    dash_duo.wait_for_text_to_equal("h1", "Alerts")
    driver = dash_duo.driver

    driver.find_element(By.ID, "name").send_keys("Slow answers")
    Select(driver.find_element(By.ID, "metric")).select_by_visible_text("p95 response time")
    Select(driver.find_element(By.ID, "window")).select_by_visible_text("15 minutes")
    driver.find_element(By.ID, "threshold").send_keys("2000")
    driver.find_element(By.ID, "emails").send_keys("lead@example.org")
    press(driver, By.ID, "create-rule")
    wait_for(dash_duo, lambda: "created" in driver.find_element(By.CSS_SELECTOR, "[role=status]").text)
    assert "p95 response time above 2,000 ms, 15 minutes" in row_text(dash_duo, "Slow answers")
    assert "OK" in row_text(dash_duo, "Slow answers")

    # A bad threshold is refused and named; the rule keeps its old one.
    press(driver, By.CSS_SELECTOR, "a[aria-label='Edit Slow answers']")
    dash_duo.wait_for_text_to_equal("h1", "Edit alert rule")
    threshold = driver.find_element(By.ID, "threshold")
    threshold.clear()
    threshold.send_keys("fast")
    press(driver, By.ID, "save-rule")
    dash_duo.wait_for_contains_text("#rule-error", "threshold must be a number")
    threshold = driver.find_element(By.ID, "threshold")
    assert threshold.get_attribute("aria-invalid") == "true"
    threshold.clear()
    threshold.send_keys("3000")
    press(driver, By.ID, "save-rule")
    wait_for(dash_duo, lambda: "saved" in driver.find_element(By.CSS_SELECTOR, "[role=status]").text)
    assert "above 3,000 ms" in row_text(dash_duo, "Slow answers")

    press(driver, By.CSS_SELECTOR, "button[aria-label='Pause Slow answers']")
    wait_for(dash_duo, lambda: "Paused" in row_text(dash_duo, "Slow answers"))
    press(driver, By.CSS_SELECTOR, "button[aria-label='Resume Slow answers']")
    wait_for(dash_duo, lambda: "OK" in row_text(dash_duo, "Slow answers"))

    press(driver, By.CSS_SELECTOR, "summary[aria-label='Delete Slow answers…']")
    press(driver, By.XPATH, "//button[contains(., 'Delete “Slow answers” and its history')]")
    wait_for(dash_duo, lambda: "deleted" in driver.find_element(By.CSS_SELECTOR, "[role=status]").text)
    assert "No rules yet" in driver.find_element(By.ID, "rules-heading").find_element(By.XPATH, "..").text

    with engine.connect() as conn:
        actions = conn.execute(
            text("SELECT action FROM audit_log WHERE action LIKE 'alert%' ORDER BY id")
        ).scalars()
        assert list(actions) == [
            "alert_rule_create", "alert_rule_edit", "alert_rule_pause", "alert_rule_resume", "alert_rule_delete",
        ]  # fmt: skip
        assert conn.execute(text("SELECT COUNT(*) FROM alert_rules")).scalar() == 0
