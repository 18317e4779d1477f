"""The audit trail: who signed in (or failed to), signed out, exported what, and fed events."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime

from sqlalchemy import text

from data import audit, recording
from tests.builders import build, long_session
from tests.conftest import STAFF_PASSWORD, STAFF_USERNAME
from tests.web import DASH, login, logout_token
from web.context import services_of

TOKEN = "audit-test-token-0123456789"


def trail(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT action, actor, ip FROM audit_log ORDER BY id"))]


def test_sign_ins_failures_and_sign_outs_are_recorded(app, client):
    engine = services_of(app.server).engine
    login(client, STAFF_USERNAME, "not the password")
    login(client, "nobody", "whatever it is")
    login(client, STAFF_USERNAME, STAFF_PASSWORD)
    client.post("/logout", data={"csrf_token": logout_token(client)})
    assert trail(engine) == [
        ("login_failed", STAFF_USERNAME, "127.0.0.1"),
        ("login_failed", "nobody", "127.0.0.1"),
        ("login", STAFF_USERNAME, "127.0.0.1"),
        ("logout", STAFF_USERNAME, "127.0.0.1"),
    ]


def test_blocked_sign_ins_are_recorded(app, client):
    engine = services_of(app.server).engine
    for _ in range(11):
        login(client, STAFF_USERNAME, "guessing again")
    assert trail(engine)[-1] == ("login_blocked", STAFF_USERNAME, "127.0.0.1")


def test_exports_are_recorded_with_filters_and_rows(app, staff_client):
    engine = services_of(app.server).engine
    with engine.begin() as conn:
        recording.start_session(conn, session_id=str(uuid.uuid4()), at=datetime.now(UTC), user_type="client")
    response = staff_client.get(DASH + "export/sessions/?user_type=client&ignored=1")
    assert response.status_code == 200
    assert len(response.get_data(as_text=True).splitlines()) == 2  # header and the one session
    with engine.connect() as conn:
        (entry,) = audit.entries(conn, action="export")
    assert entry["actor"] == STAFF_USERNAME
    assert entry["detail"] == {
        "kind": "sessions",
        "format": "csv",
        "filters": {"user_type": "client"},
        "rows": 1,
        "complete": True,
    }


def test_an_interrupted_export_is_recorded_as_such_and_releases_its_connection(app, staff_client):
    engine = services_of(app.server).engine
    # Several of the export's ~256 KB chunks (3,000 lines of ~260 bytes), so that hanging up after
    # the first leaves rows unsent on either database.
    build(engine, [long_session(3000, "x" * 200)])
    checked_out = engine.pool.checkedout()
    response = staff_client.get(DASH + "export/messages/", buffered=False)
    first = next(iter(response.response))
    assert first.startswith(b"Message ID")
    response.close()  # the client hangs up
    assert engine.pool.checkedout() == checked_out
    with engine.connect() as conn:
        (entry,) = audit.entries(conn, action="export")
    assert entry["detail"]["complete"] is False and 0 < entry["detail"]["rows"] < 3000


def test_ingestion_is_recorded_by_token_fingerprint_never_the_token(make_app):
    app = make_app(ingest_tokens=(TOKEN,))
    engine = services_of(app.server).engine
    client = app.server.test_client()
    session = str(uuid.uuid4())
    batch = {"events": [{"event_id": str(uuid.uuid4()), "type": "session_started", "session_id": session}]}
    assert (
        client.post("/api/v1/events", json=batch, headers={"Authorization": f"Bearer {TOKEN}"}).status_code
        == 200
    )
    assert (
        client.post("/api/v1/events", json=batch, headers={"Authorization": "Bearer wrong"}).status_code
        == 401
    )
    rows = trail(engine)
    assert [r[0] for r in rows] == ["ingest", "ingest_denied"]
    assert rows[0][1].startswith("token:") and TOKEN not in rows[0][1]
    with engine.connect() as conn:
        dumped = str(conn.execute(text("SELECT * FROM audit_log")).all())
    assert TOKEN not in dumped


def test_cli_lists_the_trail_and_staff_can_download_it(app, staff_client, database_url, capsys):
    engine = services_of(app.server).engine
    audit.record_now(engine, "login_failed", actor="=cmd|evil", ip="10.0.0.9")
    assert audit.main(["--database-url", database_url, "--action", "login_failed"]) == 0
    out = capsys.readouterr().out
    assert "login_failed" in out and "=cmd|evil" in out and "10.0.0.9" in out and " login " not in out
    response = staff_client.get(DASH + "export/audit/?action=login_failed")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["At", "Action", "Actor", "IP", "Detail"]
    assert rows[1][1:4] == ["login_failed", "'=cmd|evil", "10.0.0.9"]
