"""Helpers for the real-browser tests (dash[testing]'s `dash_duo` in headless Chromium)."""

from __future__ import annotations

from selenium.webdriver.common.by import By


def sign_in(dash_duo, app, username: str, password: str, path: str = "/admin/chat-analytics/") -> None:
    """Start `app`, open `path` (landing on the login page), sign in, and wait for the dashboard."""
    dash_duo.start_server(app, navigate=False)
    dash_duo.driver.get(dash_duo.server.url + path)
    dash_duo.wait_for_element("#username").send_keys(username)
    dash_duo.find_element("#password").send_keys(password)
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_element("#react-entry-point")
    dash_duo.wait_for_element("#signed-in-user")


def text_of(dash_duo, selector: str) -> str:
    """The visible text of the first element matching `selector`."""
    return dash_duo.driver.find_element(By.CSS_SELECTOR, selector).text
