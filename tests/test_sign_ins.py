"""Sign-ins live on the server: signing out, deactivation, a new password and "sign out everywhere"
end them at once, whatever copy of the cookie is still around."""

from __future__ import annotations

import io
import json

from sqlalchemy import text

from data import users
from tests.conftest import STAFF_PASSWORD, STAFF_USERNAME, sign_in
from tests.web import DASH, HTML, login, logout_token
from web.context import services_of

SECOND_PASSWORD = "another long secret phrase"


def stolen_copy(app, client):
    """A client elsewhere (other address and browser) holding a copy of `client`'s cookie."""
    thief = app.server.test_client()
    thief.environ_base.update(REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="curl/8.0")
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def assert_signed_in(client) -> None:
    assert client.get(DASH + "api/").status_code == 200
    assert client.get(DASH + "export/sessions/").status_code == 200


def assert_signed_out(client) -> None:
    assert client.get(DASH + "api/").status_code == 401
    assert client.get(DASH + "export/sessions/").status_code == 401
    assert client.get(DASH + "_dash-layout").status_code == 401
    page = client.get(DASH, headers=HTML)
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")


def sign_ins(app) -> int:
    with services_of(app.server).engine.connect() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM login_sessions")).scalar()


def test_a_cookie_copied_before_sign_out_is_worthless_afterwards(app, staff_client):
    thief = stolen_copy(app, staff_client)
    assert_signed_in(thief)
    assert sign_ins(app) == 1
    response = staff_client.post("/logout", data={"csrf_token": logout_token(staff_client)})
    assert response.status_code == 302
    assert_signed_out(thief)
    assert_signed_out(staff_client)
    assert sign_ins(app) == 0


def test_a_session_without_a_server_side_sign_in_is_refused(app, staff_client):
    # e.g. a cookie issued before sign-ins were recorded, or one whose row has gone
    with services_of(app.server).engine.begin() as conn:
        conn.execute(text("DELETE FROM login_sessions"))
    assert_signed_out(staff_client)


def test_deactivation_ends_sign_ins_for_good(app, staff_client, database_url):
    thief = stolen_copy(app, staff_client)
    assert users.main(["--database-url", database_url, "deactivate", STAFF_USERNAME]) == 0
    assert users.main(["--database-url", database_url, "activate", STAFF_USERNAME]) == 0
    # Let back in, the account must sign in again: the old cookies stay dead.
    assert_signed_out(thief)
    assert_signed_out(staff_client)
    assert login(app.server.test_client(), STAFF_USERNAME, STAFF_PASSWORD).status_code == 302


def test_a_new_password_ends_every_sign_in(app, staff_client, database_url, monkeypatch, capsys):
    other_browser = sign_in(app)
    monkeypatch.setattr("sys.stdin", io.StringIO(SECOND_PASSWORD + "\n"))
    argv = ["--database-url", database_url, "set-password", STAFF_USERNAME, "--password-stdin"]
    assert users.main(argv) == 0
    assert "ended 2 sign-in(s)" in capsys.readouterr().out
    assert_signed_out(staff_client)
    assert_signed_out(other_browser)
    assert login(app.server.test_client(), STAFF_USERNAME, STAFF_PASSWORD).status_code == 401
    assert login(app.server.test_client(), STAFF_USERNAME, SECOND_PASSWORD).status_code == 302


def test_a_chat_user_without_a_password_cannot_be_given_one(app, database_url, monkeypatch):
    with services_of(app.server).engine.begin() as conn:
        users.create_user(conn, "visitor")  # a chat user: no password, never signs in
    monkeypatch.setattr("sys.stdin", io.StringIO(SECOND_PASSWORD + "\n"))
    argv = ["--database-url", database_url, "set-password", "visitor", "--password-stdin"]
    assert users.main(argv) == 1
    assert login(app.server.test_client(), "visitor", SECOND_PASSWORD).status_code == 401


def test_sign_out_everywhere_ends_this_accounts_sign_ins_only(app, staff_client):
    phone = sign_in(app)
    with services_of(app.server).engine.begin() as conn:
        users.create_user(conn, "ana", password=SECOND_PASSWORD, is_staff=True)
    colleague = app.server.test_client()
    assert login(colleague, "ana", SECOND_PASSWORD).status_code == 302
    assert staff_client.post("/logout/everywhere", data={"csrf_token": "forged"}).status_code == 400
    assert_signed_in(phone)

    response = staff_client.post("/logout/everywhere", data={"csrf_token": logout_token(staff_client)})
    assert (response.status_code, response.headers["Location"]) == (302, "/login")
    assert_signed_out(staff_client)
    assert_signed_out(phone)
    assert_signed_in(colleague)
    with services_of(app.server).engine.connect() as conn:
        entry = conn.execute(
            text("SELECT actor, detail FROM audit_log WHERE action = 'logout_everywhere'")
        ).one()
    detail = entry.detail if isinstance(entry.detail, dict) else json.loads(entry.detail)
    assert (entry.actor, detail) == (STAFF_USERNAME, {"sign_ins_ended": 2})  # both of lead's


def test_the_dashboard_offers_sign_out_everywhere(staff_client):
    from tests.web import find_props, layout

    (form,) = find_props(layout(staff_client), action="/logout/everywhere")
    assert form["method"] == "POST"
