"""Headers, cookies, sign-in limits and session lifetime."""

from __future__ import annotations

import re
import time
import uuid

import pytest
from flask import request

from tests.conftest import STAFF_PASSWORD, STAFF_USERNAME, add_staff, sign_in
from tests.test_ingest import TOKENS, full_session, post
from tests.web import DASH, HTML, callback_with_output, csrf_token, dash_callbacks, login, run_callback
from web.context import services_of

HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@pytest.mark.parametrize(
    "path", ["/login", "/healthz", "/", DASH, "/no/such/page", "/static/vendor/bootstrap.min.css"]
)
def test_security_headers_on_every_response(app, client, path):
    response = client.get(path, headers=HTML)
    for name, value in HEADERS.items():
        assert response.headers[name] == value
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    # Scripts: our origin and the hashes of Dash's inline bootstrap only, never 'unsafe-inline'.
    script_src = next(d for d in csp.split("; ") if d.startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    for digest in app.csp_hashes():
        assert digest in script_src


def test_session_cookie_is_httponly_and_samesite(client):
    response = login(client, STAFF_USERNAME, STAFF_PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_secure_cookie_when_configured(make_app):
    from data.users import create_user

    app = make_app(secure_cookies=True)
    with services_of(app.server).engine.begin() as conn:
        create_user(conn, "ana", password="a long secret phrase", is_staff=True)
    client = app.server.test_client()
    response = login(client, "ana", "a long secret phrase")
    assert "Secure" in response.headers["Set-Cookie"]


def test_sign_in_attempts_are_limited_per_address(client):
    for _ in range(10):
        assert login(client, STAFF_USERNAME, "wrong password here").status_code == 401
    blocked = login(client, STAFF_USERNAME, STAFF_PASSWORD)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert b"Too many sign-in attempts" in blocked.data
    assert client.get(DASH, headers=HTML).status_code == 302  # the right password did not get in


def test_sign_in_attempts_are_limited_per_username_across_addresses(app):
    for n in range(10):
        client = app.server.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        assert login(client, STAFF_USERNAME, "wrong password here").status_code == 401
    other = app.server.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.1.1"
    assert login(other, STAFF_USERNAME.upper(), STAFF_PASSWORD).status_code == 429
    # Another account from that address is not blocked by this one's guesses.
    assert login(other, "someone-else", "wrong password here").status_code == 401


def test_sign_in_expires_after_max_hours_however_active(make_app):
    from data.users import create_user

    app = make_app(session_max_hours=1)
    with services_of(app.server).engine.begin() as conn:
        create_user(conn, "ana", password="a long secret phrase", is_staff=True)
    client = app.server.test_client()
    assert login(client, "ana", "a long secret phrase").status_code == 302
    assert client.get(DASH + "_dash-layout").status_code == 200
    with client.session_transaction() as session:
        session["signed_in_at"] = time.time() - 3601
    assert client.get(DASH + "_dash-layout").status_code == 401
    assert client.get(DASH, headers=HTML).status_code == 302


def test_idle_timeout_sets_cookie_expiry(make_app):
    from data.users import create_user

    app = make_app(session_idle_minutes=30)
    with services_of(app.server).engine.begin() as conn:
        create_user(conn, "ana", password="a long secret phrase", is_staff=True)
    response = login(app.server.test_client(), "ana", "a long secret phrase")
    cookie = response.headers["Set-Cookie"]
    assert "Expires=" in cookie
    assert app.server.permanent_session_lifetime.total_seconds() == 1800


def test_proxy_headers_are_honoured_only_when_configured(make_app):
    app = make_app(proxy_fix=True)
    seen = []
    app.server.add_url_rule("/_whoami", "whoami", lambda: seen.append(request.remote_addr) or "")
    client = app.server.test_client()
    client.get("/_whoami", headers={"X-Forwarded-For": "203.0.113.9"})
    plain = make_app()
    plain.server.add_url_rule("/_whoami", "whoami", lambda: seen.append(request.remote_addr) or "")
    plain.server.test_client().get("/_whoami", headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen == ["203.0.113.9", "127.0.0.1"]


PUBLIC = [
    "/healthz",
    "/api/v1/events",
    "/api/v1/openapi.json",
    "/static/vendor/bootstrap.min.css",
    "/favicon.ico",
]


def call_public(client, path: str):
    if path == "/api/v1/events":
        return post(client, full_session(str(uuid.uuid4())))
    return client.get(path, headers=HTML)


@pytest.mark.parametrize("path", PUBLIC)
def test_public_endpoints_set_no_cookie_from_the_first_request_on(make_app, path):
    app = make_app(ingest_tokens=TOKENS)  # fresh: Dash sets itself up during the first request
    client = app.server.test_client()
    first = call_public(client, path)
    assert first.status_code in (200, 204), first.data[:200]
    assert "Set-Cookie" not in first.headers
    add_staff(app)
    sign_in(app, client)  # a signed-in browser's cookie is not re-sent by public endpoints either
    again = call_public(client, path)
    assert again.status_code in (200, 204) and "Set-Cookie" not in again.headers
    assert "Set-Cookie" in client.get(DASH + "_dash-layout").headers  # pages still renew the sign-in


def test_dash_setting_itself_up_during_a_first_anonymous_request_starts_no_session(make_app):
    client = make_app().server.test_client()
    response = client.get("/no/such/page", headers=HTML)
    assert response.status_code == 404 and "Set-Cookie" not in response.headers


def test_every_response_behind_the_sign_in_is_no_store(app, staff_client):
    callbacks = dash_callbacks(staff_client)
    kpis = callback_with_output(callbacks, "kpi-sessions.children")
    page = staff_client.get(DASH, headers=HTML)
    bundle = re.search(r'src="([^"]*_dash-component-suites[^"]*)"', page.get_data(as_text=True)).group(1)
    responses = {
        "dashboard": page,
        "layout": staff_client.get(DASH + "_dash-layout"),
        "dependencies": staff_client.get(DASH + "_dash-dependencies"),
        "callback": run_callback(staff_client, kpis, {"filters.data": {"preset": "7d"}}),
        "api": staff_client.get(DASH + "api/"),
        "export": staff_client.get(DASH + "export/sessions/"),
        "bundle": staff_client.get(bundle),
        "login while signed in": staff_client.get("/login", headers=HTML),
        "login page": app.server.test_client().get("/login", headers=HTML),
        "missing page": staff_client.get(DASH + "no/such/thing"),
    }
    for name, response in responses.items():
        assert response.status_code in (200, 302, 404), (name, response.status_code)
        assert response.headers.get("Cache-Control") == "no-store", name


def test_non_staff_refusals_are_no_store(app, client):
    from data.users import create_user

    with services_of(app.server).engine.begin() as conn:
        create_user(conn, "customer", password="another good password")
    login(client, "customer", "another good password")
    refused = client.get(DASH, headers=HTML)
    assert refused.status_code == 403 and refused.headers["Cache-Control"] == "no-store"


def json_login(client, username: str, password: str):
    """A sign-in with a JSON body carrying a valid CSRF token (Flask-WTF alone would accept it)."""
    token = csrf_token(client.get("/login", headers=HTML).get_data(as_text=True))
    body = {"csrf_token": token, "username": username, "password": password}
    return client.post("/login", json=body, headers=HTML)


def test_a_json_body_neither_signs_in_a_locked_account_nor_escapes_the_username_limit(app):
    for n in range(10):
        guesser = app.server.test_client()
        guesser.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        assert login(guesser, STAFF_USERNAME, "wrong password here").status_code == 401
    other = app.server.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.2.1"
    response = json_login(other, STAFF_USERNAME, STAFF_PASSWORD)
    assert response.status_code in (415, 429)
    assert other.get(DASH, headers=HTML).status_code == 302  # not signed in
    assert login(other, STAFF_USERNAME, STAFF_PASSWORD).status_code == 429  # the lock holds


def test_json_sign_ins_are_refused_and_leave_form_sign_ins_alone(app, client):
    for n in range(12):
        sender = app.server.test_client()
        sender.environ_base["REMOTE_ADDR"] = f"10.0.3.{n + 1}"
        refused = json_login(sender, STAFF_USERNAME, STAFF_PASSWORD)
        assert refused.status_code == 415 and b"Sign in with the form" in refused.data
        assert sender.get(DASH, headers=HTML).status_code == 302
    assert login(client, STAFF_USERNAME, STAFF_PASSWORD).status_code == 302
