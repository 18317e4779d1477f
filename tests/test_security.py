"""Headers, cookies, sign-in limits and session lifetime."""

from __future__ import annotations

import time

import pytest
from flask import request

from tests.conftest import STAFF_PASSWORD, STAFF_USERNAME
from tests.web import DASH, HTML, login
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
