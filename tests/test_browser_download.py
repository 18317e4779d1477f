"""tests.browser.download_with_session fetches what an export button points at, as the signed-in browser."""

from __future__ import annotations

import csv
import io

import pytest

from data.seed import generate
from tests.browser import download_with_session, sign_in
from tests.conftest import STAFF_PASSWORD, STAFF_USERNAME, add_staff


def test_downloads_an_export_button_target_with_the_browser_session(dash_duo, make_app):
    app = make_app()
    generate(add_staff(app), sessions=40, days=5, active=2, seed=5)
    sign_in(dash_duo, app, STAFF_USERNAME, STAFF_PASSWORD)
    dash_duo.wait_for_contains_text("#period-label", "Last 7 days · ", timeout=20)
    href = dash_duo.find_element("#export-sessions").get_attribute("href")

    rows = list(csv.reader(io.StringIO(download_with_session(dash_duo, href).decode("utf-8-sig"))))
    assert rows[0][0] == "Session ID" and len(rows) == 1 + 40  # the header, then every session of 5 days
    by_path = download_with_session(dash_duo, "/admin/chat-analytics/export/sessions/?period=24h")
    assert by_path.decode("utf-8-sig").startswith("Session ID,")

    dash_duo.driver.delete_all_cookies()
    with pytest.raises(AssertionError, match="answered 401"):
        download_with_session(dash_duo, href)
