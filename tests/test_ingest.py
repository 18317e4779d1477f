"""POST /api/v1/events: auth, limits, whole-batch validation, idempotency, ordering, concurrency.

Expected rows are counted by hand from the batches sent, and checked with raw SQL.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from web.context import services_of

URL = "/api/v1/events"
TOKENS = ("backend-a-token-0123456789", "backend-b-token-9876543210")
T0 = datetime.now(UTC) - timedelta(hours=1)


def ev(kind: str, session: str, seconds: float = 0, **fields) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "type": kind,
        "session_id": session,
        "at": (T0 + timedelta(seconds=seconds)).isoformat(),
        **fields,
    }


def full_session(session: str) -> list[dict]:
    """A resolved, rated session: 3 user + 3 assistant messages, 2 topics, 1 action, 5 minutes."""
    events = [
        ev(
            "session_started",
            session,
            0,
            user_type="client",
            user={"username": f"u-{session[:8]}", "user_type": "client"},
        )
    ]
    for turn in range(3):
        events.append(ev("message", session, 10 + 60 * turn, sender_type="user", content=f"question {turn}"))
        events.append(
            ev(
                "message",
                session,
                12 + 60 * turn,
                sender_type="assistant",
                content="answer",
                processing_time_ms=100.0 * (turn + 1),
                cached=turn == 2,
            )
        )
    events += [
        ev("topic", session, 5, topic="billing"),
        ev("topic", session, 6, topic="refunds"),
        ev("action", session, 100, action={"type": "link_click", "target": "/invoices/7"}),
        ev("resolved", session, 200, resolved=True),
        ev("satisfaction", session, 250, rating=4),
        ev("session_closed", session, 300),
    ]
    return events


@pytest.fixture
def ingest_app(make_app):
    app = make_app(ingest_tokens=TOKENS)
    app.engine = services_of(app.server).engine
    return app


def post(client, events, token=TOKENS[0], raw=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = raw if raw is not None else json.dumps({"events": events})
    return client.post(URL, data=data, headers=headers, content_type="application/json")


def count(engine, table: str, where: str = "1=1", **params) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT COUNT(*) FROM {table} WHERE {where}"), params).scalar()  # noqa: S608


def totals(engine) -> tuple[int, ...]:
    return tuple(
        count(engine, t) for t in ("chat_sessions", "chat_messages", "chat_analytics", "ingested_events")
    )


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", "Basic " + TOKENS[0], "Bearer"])
def test_missing_or_wrong_token_is_401(ingest_app, header):
    client = ingest_app.server.test_client()
    headers = {"Authorization": header} if header else {}
    response = client.post(URL, json={"events": [ev("escalated", str(uuid.uuid4()))]}, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_without_configured_tokens_every_request_is_401(make_app):
    client = make_app(ingest_tokens=()).server.test_client()
    response = post(client, [ev("escalated", str(uuid.uuid4()))], token="anything")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_staff_session_is_no_substitute_for_a_token_and_a_token_needs_no_session(make_app):
    from tests.conftest import add_staff, sign_in

    app = make_app(ingest_tokens=TOKENS)
    add_staff(app)
    staff = sign_in(app)
    session = str(uuid.uuid4())
    assert post(staff, [ev("session_started", session)], token=None).status_code == 401
    # Not under /admin/: the staff guard neither redirects nor forbids a token-only caller.
    anonymous = app.server.test_client()
    assert post(anonymous, [ev("session_started", session)]).get_json() == {"accepted": 1, "duplicates": 0}


def test_database_down_is_503_with_retry_after(ingest_app):
    from data.db import create_engine
    from web.context import Services, install

    server = ingest_app.server
    ctx = services_of(server)
    install(server, Services(ctx.config, create_engine("postgresql+psycopg://x@127.0.0.1:1/none"), ctx.cache))
    session = str(uuid.uuid4())
    response = post(server.test_client(), [ev("session_started", session)])
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    assert response.get_json()["error"]


def test_each_configured_token_works_and_a_session_lands_whole(ingest_app):
    client = ingest_app.server.test_client()
    session = str(uuid.uuid4())
    events = full_session(session)
    response = post(client, events[:5], token=TOKENS[1])
    assert response.status_code == 200 and response.get_json() == {"accepted": 5, "duplicates": 0}
    response = post(client, events[5:], token=TOKENS[0])
    assert response.get_json() == {"accepted": len(events) - 5, "duplicates": 0}
    with ingest_app.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT a.total_messages, a.user_messages, a.assistant_messages, a.average_response_time_ms,"
                " a.resolved, a.engagement_score, s.satisfaction_rating, s.is_active, u.username"
                " FROM chat_analytics a JOIN chat_sessions s ON s.session_id = a.session_id"
                " JOIN users u ON u.id = s.user_id WHERE a.session_id = :s"
            ),
            {"s": session},
        ).one()
    # 40*3/10 + 25*1/5 + 15*2/3 + 20*300/600 = 12 + 5 + 10 + 10
    assert tuple(row) == (6, 3, 3, 200.0, True, 37.0, 4, False, f"u-{session[:8]}")


def test_a_bad_batch_names_each_bad_event_and_writes_nothing(ingest_app):
    client = ingest_app.server.test_client()
    session = str(uuid.uuid4())
    events = full_session(session)
    events[2]["sender_type"] = "robot"
    events[4]["event_id"] = "not-a-uuid"
    events[9]["action"] = "click"
    events[11]["rating"] = 6
    events.append({**ev("message", session), "at": "2026-11-24T10:00:00"})  # no offset
    future = (datetime.now(UTC) + timedelta(minutes=10)).isoformat()
    events.append({**ev("topic", session, topic="billing"), "at": future})
    events.append(ev("message", session, sender_type="user", content="x" * (64 * 1024 + 1)))
    before = totals(ingest_app.engine)
    response = post(client, events)
    assert response.status_code == 400
    errors = response.get_json()["events"]
    last = len(events) - 1
    assert [e["index"] for e in errors] == [2, 4, 9, 11, last - 2, last - 1, last]
    assert "sender_type" in errors[0]["error"] and "UTC offset" in errors[-3]["error"]
    assert "future" in errors[-2]["error"] and "content" in errors[-1]["error"]
    assert totals(ingest_app.engine) == before


def test_an_event_failing_while_applying_rolls_back_the_batch(ingest_app):
    client = ingest_app.server.test_client()
    closed = str(uuid.uuid4())
    assert post(client, [ev("session_started", closed), ev("session_closed", closed, 5)]).status_code == 200
    before = totals(ingest_app.engine)
    fresh = str(uuid.uuid4())
    batch = [ev("session_started", fresh), ev("message", fresh, 1, sender_type="user", content="hi"),
             ev("message", closed, 10, sender_type="user", content="too late")]  # fmt: skip
    response = post(client, batch)
    assert response.status_code == 400
    assert response.get_json()["events"] == [{"index": 2, "error": f"session {closed} is closed"}]
    assert totals(ingest_app.engine) == before


@pytest.mark.parametrize("kind", ["message", "topic", "action"])
def test_a_refused_event_among_many_of_its_kind_is_named_and_nothing_is_written(ingest_app, kind):
    client = ingest_app.server.test_client()
    closed, fresh = str(uuid.uuid4()), str(uuid.uuid4())
    assert post(client, [ev("session_started", closed), ev("session_closed", closed, 5)]).status_code == 200
    before = totals(ingest_app.engine)
    fields = {
        "message": {"sender_type": "user", "content": "hi"},
        "topic": {"topic": "billing"},
        "action": {"action": {"type": "link_click"}},
    }[kind]
    batch = [ev("session_started", fresh)]
    batch += [ev(kind, fresh, 1 + k, **fields) for k in range(4)]
    batch += [ev(kind, closed, 10, **fields)]  # index 5: its session is closed
    batch += [ev(kind, fresh, 20 + k, **fields) for k in range(3)]
    response = post(client, batch)
    assert response.status_code == 400
    assert response.get_json()["events"] == [{"index": 5, "error": f"session {closed} is closed"}]
    assert totals(ingest_app.engine) == before


def test_unknown_session_is_rejected_with_a_reason(ingest_app):
    response = post(ingest_app.server.test_client(), [ev("topic", str(uuid.uuid4()), topic="billing")])
    assert response.status_code == 400
    assert "unknown session" in response.get_json()["events"][0]["error"]


def test_a_session_started_twice_in_one_batch_is_400_naming_the_second_start(ingest_app):
    session = str(uuid.uuid4())
    before = totals(ingest_app.engine)
    events = [ev("session_started", session), ev("session_started", session)]
    response = post(ingest_app.server.test_client(), events)
    assert response.status_code == 400
    assert response.get_json()["events"] == [
        {"index": 1, "error": f"session {session} is started twice in this batch"}
    ]
    assert totals(ingest_app.engine) == before


def test_out_of_order_events_within_a_batch_are_applied_in_order(ingest_app):
    session = str(uuid.uuid4())
    events = full_session(session)
    events.reverse()  # close first, start last
    assert post(ingest_app.server.test_client(), events).get_json()["accepted"] == len(events)
    assert count(ingest_app.engine, "chat_analytics", "session_id = :s", s=session) == 1
    assert count(ingest_app.engine, "chat_messages", "session_id = :s", s=session) == 6


def test_replays_are_no_ops_across_batches_restarts_and_within_a_batch(ingest_app, make_app):
    session = str(uuid.uuid4())
    events = full_session(session)
    client = ingest_app.server.test_client()
    assert post(client, events + events[:3]).get_json() == {"accepted": len(events), "duplicates": 3}
    after = totals(ingest_app.engine)
    assert post(client, events).get_json() == {"accepted": 0, "duplicates": len(events)}
    restarted = make_app(ingest_tokens=TOKENS)  # a new process on the same database
    assert post(restarted.server.test_client(), events).get_json() == {
        "accepted": 0,
        "duplicates": len(events),
    }
    assert totals(ingest_app.engine) == after


def test_batch_limits_are_413(ingest_app):
    client = ingest_app.server.test_client()
    session = str(uuid.uuid4())
    too_many = [ev("topic", session, topic="x")] * 1001
    assert post(client, too_many).status_code == 413
    huge = [ev("message", session, sender_type="user", content="x" * 60_000) for _ in range(20)]
    assert post(client, huge).status_code == 413
    assert totals(ingest_app.engine) == (0, 0, 0, 0)


@pytest.mark.parametrize("raw", ["not json", "[]", '{"events": {}}', '{"events": []}', '{"events": [1]}'])
def test_malformed_bodies_are_400(ingest_app, raw):
    response = post(ingest_app.server.test_client(), None, raw=raw)
    assert response.status_code == 400 and response.get_json()["error"]


def test_eight_concurrent_clients_lose_nothing_and_apply_nothing_twice(ingest_app):
    shared = full_session(str(uuid.uuid4()))  # every client also sends this same session
    sessions = [[str(uuid.uuid4()) for _ in range(5)] for _ in range(8)]
    results, failures = [], []

    def client_run(mine: list[str], shared: list[dict]) -> None:
        client = ingest_app.server.test_client()
        try:
            for n, session in enumerate(mine):
                batch = full_session(session) + (shared if n == 2 else [])
                response = post(client, batch)
                assert response.status_code == 200, response.data
                results.append(response.get_json())
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    # Half the clients send the shared events in the opposite order: overlapping keys taken in
    # different orders must not deadlock one batch against another.
    threads = [
        threading.Thread(target=client_run, args=(mine, shared if n % 2 else shared[::-1]))
        for n, mine in enumerate(sessions)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    per_session = len(shared)
    assert sum(r["accepted"] for r in results) == 41 * per_session
    assert sum(r["duplicates"] for r in results) == 7 * per_session
    engine = ingest_app.engine
    assert count(engine, "chat_sessions") == 41
    assert count(engine, "chat_messages") == 41 * 6
    assert count(engine, "chat_analytics") == 41
    assert count(engine, "ingested_events") == 41 * per_session


def test_concurrent_batches_on_the_same_sessions_take_turns(ingest_app):
    # Every client writes to the same open sessions, in its own shuffled order, and half of them
    # also replay one shared set of events: no batch may fail (PostgreSQL would deadlock
    # without an order on the locks), and nothing is lost or applied twice.
    import random

    sessions = [str(uuid.uuid4()) for _ in range(4)]
    assert (
        post(ingest_app.server.test_client(), [ev("session_started", s) for s in sessions]).status_code == 200
    )
    shared = [ev("message", s, 1, sender_type="user", content="shared") for s in sessions for _ in range(5)]
    barrier = threading.Barrier(8)
    statuses, answers = [], []

    def client_run(n: int) -> None:
        own = [ev("message", s, 2, sender_type="user", content=f"c{n}") for s in sessions for _ in range(10)]
        batch = own + (shared if n % 2 else [])
        random.Random(n).shuffle(batch)
        client = ingest_app.server.test_client()
        barrier.wait()
        response = post(client, batch)
        statuses.append(response.status_code)
        answers.append(response.get_json())

    threads = [threading.Thread(target=client_run, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 8, answers
    assert sum(a["accepted"] for a in answers) == 8 * 40 + 20
    assert sum(a["duplicates"] for a in answers) == 3 * 20
    assert count(ingest_app.engine, "chat_messages") == 8 * 40 + 20
    assert count(ingest_app.engine, "chat_messages", "content = :c", c="shared") == 20


def test_example_backend_fills_the_database_over_http(ingest_app, capsys):
    from werkzeug.serving import make_server

    from examples import chat_backend

    server = make_server("127.0.0.1", 0, ingest_app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        assert chat_backend.main(["--url", url, "--token", TOKENS[1], "--username", "example-client"]) == 0
    finally:
        server.shutdown()
    out = capsys.readouterr().out
    assert out.count("accepted") == 2
    engine = ingest_app.engine
    assert count(engine, "chat_sessions", "is_active = :f", f=False) == 1
    assert count(engine, "chat_messages") == len(chat_backend.CONVERSATION)
    with engine.connect() as conn:
        resolved, rating, username = conn.execute(
            text(
                "SELECT a.resolved, s.satisfaction_rating, u.username FROM chat_analytics a"
                " JOIN chat_sessions s ON s.session_id = a.session_id JOIN users u ON u.id = s.user_id"
            )
        ).one()
    assert (bool(resolved), rating, username) == (True, 5, "example-client")


@pytest.mark.parametrize(
    "at",
    [
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+14:00",
        "1970-01-01T00:00:00Z",
        "1999-12-31T23:59:59Z",
        "9999-12-31T23:59:59-12:00",
    ],
)
def test_an_implausible_time_is_a_400_naming_the_event(ingest_app, at):
    session = str(uuid.uuid4())
    before = totals(ingest_app.engine)
    events = [
        ev("session_started", session),
        {**ev("message", session, sender_type="user", content="x"), "at": at},
    ]
    response = post(ingest_app.server.test_client(), events)
    assert response.status_code == 400 and "Retry-After" not in response.headers
    (error,) = response.get_json()["events"]
    assert error["index"] == 1
    assert ("2000-01-01" if at < "2" else "future") in error["error"]
    assert totals(ingest_app.engine) == before


def test_the_first_plausible_moment_is_accepted(ingest_app):
    session = str(uuid.uuid4())
    events = [{**ev("session_started", session), "at": "2000-01-01T00:00:00Z"}]
    assert post(ingest_app.server.test_client(), events).status_code == 200


def test_a_message_before_its_sessions_start_is_a_400_naming_it(ingest_app):
    client = ingest_app.server.test_client()
    stored, fresh = str(uuid.uuid4()), str(uuid.uuid4())
    assert post(client, [ev("session_started", stored, 100)]).status_code == 200
    before = totals(ingest_app.engine)
    events = [
        ev("session_started", fresh, 50),
        ev("message", fresh, 60, sender_type="user", content="after the start: fine"),
        ev("message", fresh, 49, sender_type="user", content="a second before this batch's start"),
        ev("message", stored, 99, sender_type="user", content="a second before the stored start"),
        ev("topic", stored, 10, topic="billing"),
        ev("satisfaction", stored, 0, rating=5),  # not stored with a time of its own: fine
    ]
    response = post(client, events)
    assert response.status_code == 400
    errors = response.get_json()["events"]
    assert [e["index"] for e in errors] == [2, 3, 4]
    assert all("before its session's start" in e["error"] for e in errors)
    assert totals(ingest_app.engine) == before
