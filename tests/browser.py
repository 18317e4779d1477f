"""Helpers for the real-browser tests (dash[testing]'s `dash_duo` in headless Chromium)."""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import urljoin, urlsplit

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


def download_with_session(dash_duo, href: str, timeout: float = 60) -> bytes:
    """The body of GET `href` (a path, or a URL of the app under test) sent with the browser's cookies.

    The browser's User-Agent goes along too: the sign-in's strong session protection ties the session
    to it. Raises AssertionError on any status but 200.
    """
    base = dash_duo.server.url
    url = urljoin(base + "/", href)
    assert urlsplit(url).netloc == urlsplit(base).netloc, f"{href} is not a URL of the app under test"
    driver = dash_duo.driver
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    agent = driver.execute_script("return navigator.userAgent")
    request = urllib.request.Request(url, headers={"Cookie": cookies, "User-Agent": agent})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - the test's own server
            return response.read()
    except urllib.error.HTTPError as exc:
        raise AssertionError(f"GET {url} answered {exc.code}: {exc.read()[:300]!r}") from None


def press(driver, by: str, selector: str) -> None:
    """Scroll the element to the middle of the window (at once: Bootstrap scrolls smoothly) and click it."""
    element = driver.find_element(by, selector)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element)
    element.click()
