"""Database faults: every door answers 503 with Retry-After, nothing is half-written, all recovers.

SQLite: the file goes missing (moved away) or another process holds the write lock.
PostgreSQL: the server refuses connections (a relay we cut), and backends are terminated mid-export.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from data import audit
from tests.builders import build, long_session
from tests.conftest import TEST_DATABASE_URL, add_staff, sign_in
from tests.proxy import TcpRelay
from tests.test_ingest import TOKENS, full_session, post
from tests.web import DASH
from web.context import services_of

needs_postgres = pytest.mark.skipif(not TEST_DATABASE_URL, reason="TEST_DATABASE_URL (PostgreSQL) not set")


def staff_client(app):
    add_staff(app)
    return sign_in(app)


def counts(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()  # noqa: S608 (fixed names)
            for table in ("chat_sessions", "chat_messages", "ingested_events")
        )


def assert_every_door_says_503(client, events) -> None:
    """Health check, API, each export and ingestion: 503 with Retry-After, JSON, no traceback."""
    responses = {
        "healthz": client.get("/healthz"),
        "api": client.get(DASH + "api/"),
        "ingest": post(client, events),
        **{f"export {k}": client.get(f"{DASH}export/{k}/") for k in ("sessions", "messages", "analytics")},
    }
    for door, response in responses.items():
        assert response.status_code == 503, (door, response.status_code, response.data[:300])
        assert int(response.headers["Retry-After"]) > 0, door
        body = response.get_data(as_text=True)
        assert "Traceback" not in body and "sqlalchemy" not in body.lower(), door


def assert_every_door_works(client, events) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get(DASH + "api/").status_code == 200
    assert post(client, events).status_code == 200
    export = client.get(f"{DASH}export/sessions/")
    assert export.status_code == 200 and export.get_data(as_text=True).startswith("Session ID")


def sqlite_files(url: str) -> list[Path]:
    main = Path(make_url(url).database)
    return [main, main.with_name(main.name + "-wal"), main.with_name(main.name + "-shm")]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_file_gone_then_back(make_app, sqlite_url):
    app = make_app(database_url=sqlite_url, ingest_tokens=TOKENS)
    engine = services_of(app.server).engine
    client = staff_client(app)
    first = str(uuid.uuid4())
    assert post(client, full_session(first)).status_code == 200
    before = counts(engine)

    moved = [(f, f.with_name(f.name + ".moved")) for f in sqlite_files(sqlite_url) if f.exists()]
    for here, there in moved:
        os.rename(here, there)
    batch = full_session(str(uuid.uuid4()))
    assert_every_door_says_503(client, batch)
    assert not sqlite_files(sqlite_url)[0].exists(), "no empty database was created in its place"

    for here, there in moved:
        os.rename(there, here)
    assert_every_door_works(client, batch)  # the sender's retry of the refused batch
    sessions, messages, events = counts(engine)
    assert (sessions, messages, events) == (before[0] + 1, before[1] * 2, before[2] * 2)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_write_lock_held_elsewhere(make_app, tmp_path):
    url = f"sqlite:///{tmp_path / 'locked.db'}?timeout=0.3"
    app = make_app(database_url=url, ingest_tokens=TOKENS)
    engine = services_of(app.server).engine
    client = staff_client(app)
    batch = full_session(str(uuid.uuid4()))
    before = counts(engine)

    other = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # say, a backup or a long import holding the write lock
    try:
        refused = post(client, batch)
        assert refused.status_code == 503 and int(refused.headers["Retry-After"]) > 0
        # WAL lets reading go on under another writer's lock.
        assert client.get(DASH + "api/").status_code == 200
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert counts(engine) == before, "the refused batch left nothing behind"
    assert post(client, batch).json == {"accepted": len(batch), "duplicates": 0}
    assert counts(engine)[2] == before[2] + len(batch)


@pytest.fixture
def relay():
    target = make_url(TEST_DATABASE_URL)
    proxy = TcpRelay((target.host or "127.0.0.1", target.port or 5432))
    proxy.restore()
    yield proxy
    proxy.cut()


def through(relay: TcpRelay, database_url: str) -> str:
    return make_url(database_url).set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)


@needs_postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgres_refusing_connections_then_back(make_app, database_url, engine, relay):
    # `engine` reaches the same database directly, not through the relay.
    app = make_app(database_url=through(relay, database_url), ingest_tokens=TOKENS)
    client = staff_client(app)
    batch = full_session(str(uuid.uuid4()))
    before = counts(engine)

    relay.cut()  # open connections reset, the port refuses new ones
    assert_every_door_says_503(client, batch)
    assert counts(engine) == before
    relay.restore()
    assert_every_door_works(client, batch)
    assert counts(engine)[2] == before[2] + len(batch)


@needs_postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgres_backend_terminated_mid_export(make_app, database_url, engine):
    name = f"ca-test-{uuid.uuid4().hex[:8]}"
    url = make_url(database_url)
    url = url.update_query_dict({"application_name": name})
    app = make_app(database_url=url.render_as_string(hide_password=False))
    served = services_of(app.server).engine
    client = staff_client(app)
    build(served, [long_session(3000, "y" * 300)])
    idle = served.pool.checkedout()

    response = client.get(DASH + "export/messages/", buffered=False)
    chunks = iter(response.response)
    assert next(chunks).startswith(b"Message ID")
    with engine.connect() as conn:  # the test's own connection, not the app's
        killed = conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :n AND pid <> pg_backend_pid()"
            ),
            {"n": name},
        ).all()
    assert killed, "the export's backend was found and terminated"
    received = 1
    with pytest.raises(Exception):  # noqa: B017, PT011 (the driver's error surfaces as the stream breaks)
        for _ in chunks:
            received += 1
    response.close()
    assert received < 3000 // 2
    assert served.pool.checkedout() == idle, "the broken export gave back its connection"

    again = client.get(DASH + "export/messages/")
    assert again.status_code == 200
    assert len(again.get_data(as_text=True).splitlines()) == 3001
    with served.connect() as conn:
        entries = audit.entries(conn, action="export")
    assert [e["detail"]["complete"] for e in entries] == [True, False]
