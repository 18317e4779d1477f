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
from sqlalchemy.exc import OperationalError

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


MID_EXPORT_ROWS = 12_000


@needs_postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgres_backend_terminated_mid_export(make_app, database_url, engine):
    name = f"ca-test-{uuid.uuid4().hex[:8]}"
    url = make_url(database_url)
    url = url.update_query_dict({"application_name": name})
    app = make_app(database_url=url.render_as_string(hide_password=False))
    served = services_of(app.server).engine
    client = staff_client(app)
    # Far more than the socket buffers hold (~24 MB): PostgreSQL's COPY sends rows as fast as they go,
    # so a small export would already sit whole on the client's side when the backend dies.
    build(served, [long_session(MID_EXPORT_ROWS, "y" * 2000)])
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
    assert received < MID_EXPORT_ROWS // 2
    assert served.pool.checkedout() == idle, "the broken export gave back its connection"

    again = client.get(DASH + "export/messages/")
    assert again.status_code == 200
    assert len(again.get_data(as_text=True).splitlines()) == MID_EXPORT_ROWS + 1
    with served.connect() as conn:
        entries = audit.entries(conn, action="export")
    assert [e["detail"]["complete"] for e in entries] == [True, False]


def acknowledged_batches(client, how_many: int) -> list[list[dict]]:
    """Send `how_many` whole sessions; each must be acknowledged (200)."""
    batches = [full_session(str(uuid.uuid4())) for _ in range(how_many)]
    for batch in batches:
        assert post(client, batch).status_code == 200
    return batches


def stored_event_ids(path: Path) -> set[str]:
    """The event ids in the SQLite file at `path`, read by a connection of the test's own."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {row[0] for row in conn.execute("SELECT event_id FROM ingested_events")}
    finally:
        conn.close()


def ids_of(batches: list[list[dict]]) -> set[str]:
    return {event["event_id"] for batch in batches for event in batch}


def warm_pool(engine, size: int = 3) -> None:
    """Leave several idle connections in the pool, as a busy server has."""
    conns = [engine.connect() for _ in range(size)]
    for conn in conns:
        conn.exec_driver_sql("SELECT 1")
    for conn in conns:
        conn.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_file_replaced_while_serving_loses_no_acknowledged_batch(make_app, sqlite_url):
    app = make_app(database_url=sqlite_url, ingest_tokens=TOKENS)
    engine = services_of(app.server).engine
    client = staff_client(app)
    acknowledged = acknowledged_batches(client, 5)
    warm_pool(engine)
    main, wal, _shm = sqlite_files(sqlite_url)
    assert wal.stat().st_size > 0, "the batches are in the WAL, not yet in the main file"

    original = main.with_name("original.db")
    os.rename(main, original)
    main.write_bytes(b"")  # an empty file where the database was
    refused = full_session(str(uuid.uuid4()))
    assert_every_door_says_503(client, refused)
    assert client.get("/healthz").get_json()["database"] == "replaced"
    with pytest.raises(OperationalError, match="replaced"):
        warm_pool(engine, 1)
    assert main.stat().st_size == 0, "the replacement was never opened for writing"

    engine.dispose()  # every connection closes, as at a restart: their last checkpoint goes somewhere
    assert main.stat().st_size == 0, "nothing was checkpointed into the replacement"
    os.replace(original, main)  # the operator puts the original back
    assert stored_event_ids(main) == ids_of(acknowledged), "every acknowledged batch is in the original"
    assert_every_door_works(client, refused)  # the sender's retry
    assert stored_event_ids(main) == ids_of([*acknowledged, refused])


END_SESSIONS = text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :role")


@pytest.fixture
def own_role(database_url, engine):
    """A login role of the test's own with every right on its (migrated) schema; dropped afterwards."""
    role = f"ca_test_{uuid.uuid4().hex[:10]}"
    schema = engine.dialect.identifier_preparer.quote(
        make_url(database_url).query["options"].split("search_path=")[1]
    )
    with engine.begin() as conn:  # role and schema names are generated above, never input
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
        conn.exec_driver_sql(f"GRANT USAGE, CREATE ON SCHEMA {schema} TO {role}")
        conn.exec_driver_sql(f"GRANT ALL ON ALL TABLES IN SCHEMA {schema} TO {role}")
        conn.exec_driver_sql(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA {schema} TO {role}")
    yield role
    with engine.begin() as conn:
        conn.execute(END_SESSIONS, {"role": role})
        conn.exec_driver_sql(f"DROP OWNED BY {role} CASCADE")
        conn.exec_driver_sql(f"DROP ROLE {role}")


def set_read_only(engine, role: str, read_only: bool) -> None:
    """Make the role's sessions read-only (or not), as a standby or a full disk's admin would,
    and end its current sessions so the app's next connections get the setting."""
    setting = "SET default_transaction_read_only = on" if read_only else "RESET default_transaction_read_only"
    with engine.begin() as conn:
        conn.exec_driver_sql(f"ALTER ROLE {role} {setting}")
        conn.execute(END_SESSIONS, {"role": role})


@needs_postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgres_turned_read_only_is_503_everywhere_and_loses_nothing(
    make_app, database_url, engine, own_role
):
    url = make_url(database_url).set(username=own_role).render_as_string(hide_password=False)
    app = make_app(database_url=url, ingest_tokens=TOKENS)
    client = staff_client(app)
    acknowledged = acknowledged_batches(client, 2)

    set_read_only(engine, own_role, True)
    refused = full_session(str(uuid.uuid4()))
    response = post(client, refused)
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["database"] == "read-only"
    assert client.get(DASH + "api/").status_code == 200  # reading goes on

    set_read_only(engine, own_role, False)
    assert post(client, refused).status_code == 200  # the sender's retry
    assert client.get("/healthz").status_code == 200
    with engine.connect() as conn:
        stored = set(conn.execute(text("SELECT event_id FROM ingested_events")).scalars())
    assert stored == ids_of([*acknowledged, refused])
