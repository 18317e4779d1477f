"""Who may see what: the login page, the staff guard on /admin/, logout, health."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from config import ConfigError
from tests.conftest import STAFF_PASSWORD, STAFF_USERNAME
from tests.web import DASH, HTML, csrf_token, find_props, layout, login, logout_token
from web.context import Services, install, services_of


def engine_of(app):
    return services_of(app.server).engine


def add_user(app, username, *, staff, password="another good password"):
    from data.users import create_user

    with engine_of(app).begin() as conn:
        create_user(conn, username, password=password, is_staff=staff)


@pytest.mark.parametrize(
    "path", [DASH, DASH + "export/sessions/?start_date=2026-01-01", DASH + "nothing/here"]
)
def test_browser_without_session_is_sent_to_login_with_next(client, path):
    response = client.get(path, headers=HTML)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert "/admin/chat-analytics/" in response.headers["Location"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", DASH + "api/"),
        ("get", DASH + "_dash-layout"),
        ("get", DASH + "_dash-dependencies"),
        ("post", DASH + "_dash-update-component"),
    ],
)
def test_scripts_and_dash_calls_without_session_get_401_json(client, method, path):
    response = getattr(client, method)(path, headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert "sign in" in response.get_json()["error"]


def test_staff_login_lands_on_requested_page_and_sees_the_dashboard(client):
    response = login(client, STAFF_USERNAME, STAFF_PASSWORD, next_path=DASH + "?period=30d")
    assert response.status_code == 302
    assert response.headers["Location"] == DASH + "?period=30d"
    page = client.get(DASH, headers=HTML)
    assert page.status_code == 200
    assert b"_dash-config" in page.data
    (user,) = find_props(layout(client), id="signed-in-user")
    assert user["children"] == STAFF_USERNAME


@pytest.mark.parametrize("username", [STAFF_USERNAME, "nobody-by-that-name"])
def test_wrong_password_and_unknown_user_get_the_same_answer(client, username):
    response = login(client, username, "not the password at all")
    assert response.status_code == 401
    assert b"Wrong username or password." in response.data
    assert client.get(DASH, headers=HTML).status_code == 302


def test_login_without_csrf_token_is_refused(client):
    response = client.post("/login", data={"username": STAFF_USERNAME, "password": STAFF_PASSWORD})
    assert response.status_code == 400
    assert client.get(DASH, headers=HTML).status_code == 302


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "javascript:alert(1)", "/\\evil"]
)
def test_login_never_redirects_off_site(client, target):
    response = login(client, STAFF_USERNAME, STAFF_PASSWORD, next_path=target)
    assert response.status_code == 302
    assert response.headers["Location"] == DASH


def test_non_staff_user_gets_403(app, client):
    add_user(app, "customer", staff=False)
    assert login(client, "customer", "another good password").status_code == 302
    assert client.get(DASH, headers=HTML).status_code == 403
    forbidden = client.get(DASH + "api/")
    assert forbidden.status_code == 403
    assert forbidden.get_json() == {"error": "staff only"}


def test_inactive_account_cannot_log_in_and_loses_access_on_next_request(app, staff_client):
    assert staff_client.get(DASH + "_dash-layout").status_code == 200
    with engine_of(app).begin() as conn:
        conn.execute(
            text("UPDATE users SET is_active = :f WHERE username = :u"), {"f": False, "u": STAFF_USERNAME}
        )
    denied = staff_client.get(DASH + "_dash-layout")
    assert denied.status_code == 403 and denied.get_json() == {"error": "account deactivated"}
    page = staff_client.get(DASH, headers=HTML)
    assert page.status_code == 403 and b"has been deactivated" in page.data
    assert login(app.server.test_client(), STAFF_USERNAME, STAFF_PASSWORD).status_code == 401


def test_logout_needs_post_with_token_and_ends_the_session(staff_client):
    assert staff_client.get("/logout").status_code == 405
    assert staff_client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert staff_client.get(DASH, headers=HTML).status_code == 200
    response = staff_client.post("/logout", data={"csrf_token": logout_token(staff_client)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert staff_client.get(DASH, headers=HTML).status_code == 302


def test_login_page_is_plain_html_with_its_own_stylesheet(client):
    page = client.get("/login", headers=HTML)
    assert page.status_code == 200
    assert csrf_token(page.get_data(as_text=True))
    assert client.get("/static/vendor/bootstrap.min.css").status_code == 200


def test_signed_in_user_visiting_login_goes_to_dashboard(staff_client):
    response = staff_client.get("/login", headers=HTML)
    assert response.status_code == 302
    assert response.headers["Location"] == DASH


def test_root_redirects_to_dashboard(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == DASH


def test_healthz_answers_200_then_503_when_the_database_is_gone(app, client):
    assert client.get("/healthz").status_code == 200
    from data.db import create_engine

    ctx = services_of(app.server)
    install(
        app.server,
        Services(config=ctx.config, engine=create_engine("postgresql+psycopg://x@127.0.0.1:1/none")),
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert response.get_json()["status"] == "unavailable"


def test_app_refuses_to_start_without_secret_key_outside_testing(make_app):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        make_app(secret_key=None, testing=False)


def test_session_holds_its_csrf_secret_from_sign_in(client):
    """Set at sign-in, so no later (concurrent) dashboard request has to write the session."""
    login(client, STAFF_USERNAME, STAFF_PASSWORD)
    with client.session_transaction() as session:
        assert session.get("csrf_token")
        assert session.get("_user_id")
