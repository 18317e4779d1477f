"""In Chromium: sign in, see the live active-session count, watch it follow the database."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from data import recording
from tests.browser import sign_in, text_of
from tests.conftest import STAFF_PASSWORD, STAFF_USERNAME, add_staff


def open_sessions(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT COUNT(*) FROM chat_sessions WHERE is_active = :t"), {"t": True}
        ).scalar()


def test_sign_in_and_live_count_follows_new_sessions(dash_duo, make_app):
    app = make_app(live_interval_ms=400)
    engine = add_staff(app)
    with engine.begin() as conn:
        for n in range(3):
            recording.start_session(
                conn, session_id=f"00000000-0000-4000-8000-00000000000{n}", at=datetime.now(UTC)
            )
    assert open_sessions(engine) == 3

    sign_in(dash_duo, app, STAFF_USERNAME, STAFF_PASSWORD)
    assert text_of(dash_duo, "#signed-in-user") == STAFF_USERNAME
    dash_duo.wait_for_text_to_equal("#live-active", "3", timeout=10)
    dash_duo.wait_for_contains_text("#live-updated", "Updated ", timeout=5)

    with engine.begin() as conn:
        recording.start_session(conn, session_id="00000000-0000-4000-8000-000000000009", at=datetime.now(UTC))
        recording.close_sessions(
            conn, [recording.Closing("00000000-0000-4000-8000-000000000000", datetime.now(UTC))]
        )
        recording.start_session(conn, session_id="00000000-0000-4000-8000-000000000008", at=datetime.now(UTC))
    assert open_sessions(engine) == 4
    dash_duo.wait_for_text_to_equal("#live-active", "4", timeout=10)
    dash_duo.driver.save_screenshot("/tmp/live.png")
    # The page works under the Content-Security-Policy: nothing was blocked.
    blocked = [entry for entry in dash_duo.get_logs() or [] if "Content Security Policy" in entry["message"]]
    assert blocked == []

    dash_duo.find_element("#logout-button").click()
    dash_duo.wait_for_element("#login-submit")
    assert "/login" in dash_duo.driver.current_url
