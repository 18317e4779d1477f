"""A value the database refuses is the client's 400; only an unreachable database is a 503."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select, text

from data import recording
from data.schema import users
from tests.conftest import add_staff, sign_in
from tests.web import DASH
from web.context import services_of

FAR_EAST = timezone(timedelta(hours=14))


def out_of_range_date(conn) -> None:
    # Year 1 at +14:00 is in year 0 in UTC: no datetime holds it, as the ingestion bug showed.
    recording.start_session(conn, session_id="0" * 36, at=datetime(1, 1, 1, tzinfo=FAR_EAST))


def duplicate_username(conn) -> None:
    row = {"username": "twice", "user_type": "client", "is_staff": False, "is_active": True}
    now = datetime.now(FAR_EAST)
    conn.execute(insert(users).values(**row, created_at=now))
    conn.execute(insert(users).values(**row, created_at=now))


def value_too_big(conn) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(select(text("CAST(:v AS date)")), {"v": "2026-02-30"})  # SQLSTATE 22008
        return
    raw = conn.connection.driver_connection
    raw.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 64)  # on this connection only; discarded below
    try:
        conn.execute(select(text(":v")), {"v": "x" * 100})  # SQLITE_TOOBIG
    finally:
        conn.invalidate()


REFUSALS = {"out-of-range": out_of_range_date, "duplicate": duplicate_username, "too-big": value_too_big}


@pytest.fixture
def probing_app(make_app):
    """The app with one extra route per refusal, each running its statement in a transaction."""
    app = make_app()
    engine = services_of(app.server).engine
    for name, run in REFUSALS.items():

        def view(run=run):
            with engine.begin() as conn:
                run(conn)
            return "stored"

        app.server.add_url_rule(f"{DASH}_probe/{name}", f"probe_{name}", view)
    add_staff(app)
    return app


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_a_value_the_database_refuses_is_a_400_not_a_retryable_503(probing_app, name):
    client = sign_in(probing_app)
    response = client.get(f"{DASH}_probe/{name}")
    assert response.status_code == 400, response.data
    assert "Retry-After" not in response.headers
    assert "refused a value" in response.get_json()["error"]
    assert "Traceback" not in response.get_data(as_text=True)
    assert client.get("/healthz").status_code == 200  # the database is fine
    with services_of(probing_app.server).engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM users WHERE username = 'twice'")).scalar() == 0
        assert conn.execute(text("SELECT COUNT(*) FROM chat_sessions")).scalar() == 0


def test_an_unreachable_database_is_still_a_503_with_retry_after(make_app):
    from data.db import create_engine
    from web.context import Services, install

    app = make_app()
    add_staff(app)
    client = sign_in(app)
    ctx = services_of(app.server)
    install(app.server, Services(ctx.config, create_engine("postgresql+psycopg://x@127.0.0.1:1/none")))
    response = client.get(DASH + "api/")
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
