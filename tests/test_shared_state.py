"""Several workers as one: the figure cache and the login limits shared through Redis (REDIS_URL),
the embedded per-process defaults without it, and a Redis outage that never becomes an error."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
import requests

from bench.dash_calls import filter_callbacks, payload
from data.users import create_user
from metrics.filters import Filters
from tests.builders import Msg, Spec, build, sid
from tests.conftest import STAFF_PASSWORD, STAFF_USERNAME, add_staff, sign_in
from tests.redis_service import TEST_REDIS_URL, keys_under, own_prefix, private_redis, reachable_redis
from tests.servers import free_port, gunicorn_command, serving
from tests.web import DASH, HTML, login
from web import cache as figure_cache
from web.cache import HEADER
from web.context import services_of

RATE = 4  # sign-in attempts a minute, per address and per username


def sample_sessions(engine) -> None:
    """Two sessions of the last 24 hours, so the figures have something to show."""
    now = datetime.now(UTC)
    build(
        engine,
        [
            Spec(sid(1), "client", now - timedelta(hours=3), [Msg("user", 0), Msg("assistant", 5, 800.0)]),
            Spec(sid(2), "provider", now - timedelta(hours=2), [Msg("user", 0)], ["billing"], rating=4),
        ],
    )


def breakdowns_body(dependencies: list[dict]) -> dict:
    """The browser's request for the breakdown charts of the last 24 hours."""
    (callback,) = [c for c in filter_callbacks(dependencies) if "chart-topics.figure" in c["output"]]
    return payload(callback, Filters("24h").to_store())


def figures(client) -> tuple[str, dict]:
    """(X-Figure-Cache, the figures) of the breakdown charts, through a Flask test client."""
    dependencies = client.get(DASH + "_dash-dependencies").get_json()
    response = client.post(DASH + "_dash-update-component", json=breakdowns_body(dependencies))
    assert response.status_code == 200, response.data
    return response.headers.get(HEADER), response.get_json()


def wrong_password(client) -> int:
    return login(client, STAFF_USERNAME, "not the password").status_code


# --- without REDIS_URL: each process on its own, as before -----------------------------------------


def test_without_redis_each_process_has_its_own_cache_and_limits(make_app):
    first, second = make_app(login_rate=f"{RATE}/minute"), make_app(login_rate=f"{RATE}/minute")
    sample_sessions(add_staff(first))
    a, b = sign_in(first), sign_in(second)
    assert figures(a)[0] == "miss"
    assert figures(a)[0] == "hit"
    assert figures(b)[0] == "miss"  # the other process never saw it

    # One sign-in each so far; the first process is driven to its limit, the second still counts 1.
    statuses = [wrong_password(first.server.test_client()) for _ in range(RATE)]
    assert statuses == [401] * (RATE - 1) + [429]
    assert wrong_password(second.server.test_client()) == 401


# --- with REDIS_URL: several gunicorn workers, two servers, one Redis ------------------------------


class Browser:
    """A requests session that signs in on one server and carries its cookie to the others."""

    def __init__(self) -> None:
        self.http = requests.Session()

    def sign_in(self, base: str, password: str) -> requests.Response:
        page = self.http.get(base + "/login", headers=HTML, timeout=10).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        form = {"csrf_token": token, "username": STAFF_USERNAME, "password": password}
        return self.http.post(base + "/login", data=form, headers=HTML, allow_redirects=False, timeout=10)

    def figures(self, base: str) -> requests.Response:
        dependencies = self.http.get(base + DASH + "_dash-dependencies", timeout=10).json()
        body = breakdowns_body(dependencies)
        return self.http.post(base + DASH + "_dash-update-component", json=body, timeout=30)


def test_gunicorn_workers_share_login_limits_and_figures_through_redis(engine, database_url, tmp_path):
    client = reachable_redis()
    with engine.begin() as conn:
        create_user(conn, STAFF_USERNAME, password=STAFF_PASSWORD, is_staff=True)
    sample_sessions(engine)
    with own_prefix(client) as prefix:
        env = {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "shared-secret-of-the-deployment",
            "REDIS_URL": TEST_REDIS_URL,
            "REDIS_KEY_PREFIX": prefix,
            "LOGIN_RATE_LIMIT": f"{RATE}/minute",
        }
        port_a, port_b = free_port(), free_port()
        with (
            serving(gunicorn_command(port_a, workers=2), port_a, env, tmp_path, timeout=90) as a,
            serving(gunicorn_command(port_b, workers=2), port_b, env, tmp_path, timeout=90) as b,
        ):
            lead = Browser()
            assert lead.sign_in(a, STAFF_PASSWORD).status_code == 302  # attempt 1, on A

            # A computes the figures; B, which never computed them, serves A's from Redis.
            computed = lead.figures(a)
            assert computed.status_code == 200
            assert computed.headers[HEADER] == "miss"
            reused = lead.figures(b)
            assert reused.status_code == 200
            assert reused.headers[HEADER] == "hit"
            assert reused.json() == computed.json()
            assert lead.figures(a).headers[HEADER] == "hit"

            # Attempts alternate between the servers: B sees its 3rd, A its 3rd when the shared
            # count passes the limit. Counted per process, neither would be anywhere near it.
            statuses = [Browser().sign_in(base, "wrong").status_code for base in (b, a, b, a, b)]
            assert statuses == [401, 401, 401, 429, 429]

            stored = keys_under(client, prefix)
            assert any(f"{prefix}figures:" in k for k in stored), stored
            assert any(f"{prefix}limits" in k for k in stored), stored


# --- a Redis outage: computed figures, per-process limits, a warning; never a 500 ------------------


def test_redis_outage_degrades_to_computing_and_to_process_limits(make_app, tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(figure_cache, "RETRY_SECONDS", 0.0)
    caplog.set_level(logging.WARNING)
    with private_redis(tmp_path) as url:
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        app = make_app(redis_url=url, redis_key_prefix="outage:", login_rate=f"{RATE}/minute")
        sample_sessions(add_staff(app))
        lead = sign_in(app)  # attempt 1
        assert figures(lead)[0] == "miss"
        outcome, before = figures(lead)
        assert outcome == "hit"
    # Redis is gone.
    outcome, during = figures(lead)
    assert outcome == "unavailable"
    assert during == before  # the same figures, computed
    assert lead.get(DASH, headers=HTML).status_code == 200
    assert lead.get(DASH + "_dash-layout").status_code == 200
    assert lead.get(DASH + "api/?period=24h").status_code == 200
    assert lead.get(DASH + "export/sessions/").status_code == 200
    assert any("figure cache: Redis is not answering" in r.getMessage() for r in caplog.records)
    # The limits go on, counted afresh in this process: RATE attempts refused, the next one blocked.
    attempts = [wrong_password(app.server.test_client()) for _ in range(RATE + 1)]
    assert attempts == [401] * RATE + [429]
    assert any("falling back to in-memory storage" in r.getMessage() for r in caplog.records)

    with private_redis(tmp_path, port=port):
        # Back: the next lookup uses Redis again (a fresh, empty one).
        assert figures(lead)[0] == "miss"
        assert figures(lead)[0] == "hit"


def test_unreachable_redis_from_the_start_still_serves_everything(make_app):
    closed = f"redis://127.0.0.1:{free_port()}/0"
    app = make_app(redis_url=closed, login_rate=f"{RATE}/minute")
    sample_sessions(add_staff(app))
    lead = sign_in(app)
    assert services_of(app.server).cache.shared
    assert figures(lead)[0] == "unavailable"
    for path in (DASH, DASH + "_dash-layout", DASH + "api/", DASH + "export/messages/", "/healthz"):
        assert lead.get(path, headers=HTML).status_code == 200, path
    assert [wrong_password(app.server.test_client()) for _ in range(RATE)] == [401] * (RATE - 1) + [429]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "memory://"),
        ({"REDIS_URL": "redis://cache:6379/2"}, "redis://cache:6379/2"),
        (
            {"REDIS_URL": "redis://cache:6379/2", "RATELIMIT_STORAGE_URI": "memcached://m:11211"},
            "memcached://m:11211",
        ),
    ],
)
def test_login_limits_follow_redis_url_unless_their_own_storage_is_set(env, expected):
    from config import Config

    assert Config.from_env(env).login_limits_storage == expected
