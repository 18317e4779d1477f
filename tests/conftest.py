"""Shared fixtures: a throwaway database per test (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from bench.browser import CHROMIUM_FLAGS
from bench.scratch import scratch_database
from data.db import create_engine, upgrade_schema
from web.context import services_of

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"] if TEST_DATABASE_URL else ["sqlite"]


def pytest_setup_options():
    """Options for dash[testing]'s Chromium: headless, as root, with no network chatter."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    for flag in (*CHROMIUM_FLAGS, "--window-size=1366,900"):
        options.add_argument(flag)
    if os.path.exists("/usr/bin/chromium"):
        options.binary_location = "/usr/bin/chromium"
    return options


@pytest.fixture(autouse=True)
def _dash_duo_on_a_free_port(request) -> None:
    """dash[testing] serves every test process's apps from port 58050 up, and so does any other suite
    running on this machine: a test could then drive another checkout's server. Start from a port
    the system has just handed out instead."""
    if "dash_duo" in request.fixturenames:
        from dash.testing.application_runners import BaseDashRunner

        from tests.servers import free_port

        BaseDashRunner._next_port = free_port()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """URL of an empty SQLite file that lives as long as the test."""
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> Iterator[str]:
    """URL of an empty database: SQLite, and PostgreSQL (own schema, dropped after) when configured."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    with scratch_database(TEST_DATABASE_URL) as url:
        yield url


@pytest.fixture
def engine(database_url) -> Iterator[Engine]:
    """A migrated engine on the test's own database."""
    eng = create_engine(database_url)
    upgrade_schema(eng)
    yield eng
    eng.dispose()


STAFF_USERNAME = "lead"
STAFF_PASSWORD = "correct horse battery staple"


@pytest.fixture
def make_app(database_url):
    """Build apps on the test's database: `make_app(**config_overrides)`."""
    from app import create_app
    from config import Config

    built = []

    def make(**overrides):
        settings = {"database_url": database_url, "secret_key": "test-secret", "testing": True}
        settings.update(overrides)
        app = create_app(Config(**settings))
        built.append(app)
        return app

    yield make
    for app in built:
        services_of(app.server).engine.dispose()


def add_staff(app) -> Engine:
    """Create the staff account `lead` on `app`'s database; return the app's engine."""
    from data.users import create_user

    engine = services_of(app.server).engine
    with engine.begin() as conn:
        create_user(conn, STAFF_USERNAME, password=STAFF_PASSWORD, is_staff=True)
    return engine


def sign_in(app, client=None):
    """`client` (a new test client by default) of `app`, signed in as `lead`; `.engine` is the app's."""
    from tests.web import login

    client = client or app.server.test_client()
    response = login(client, STAFF_USERNAME, STAFF_PASSWORD)
    assert response.status_code == 302, response.data
    client.engine = services_of(app.server).engine
    return client


@pytest.fixture
def app(make_app):
    """The app on the test's database, with a staff account `lead`."""
    dash_app = make_app()
    add_staff(dash_app)
    return dash_app


@pytest.fixture
def client(app):
    """A Flask test client of `app`, not signed in."""
    return app.server.test_client()


@pytest.fixture
def staff_client(app, client):
    """A Flask test client signed in as the staff account."""
    return sign_in(app, client)
