"""`python -m data.retention --keep-days N [--dry-run]`: exactly the expired sessions go, with all
their rows; the rollup-read figures of the old period stay; a dry run deletes nothing; it is
audited; ingestion running meanwhile loses nothing. Expected rows are counted by hand from the specs.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

import metrics
from api.events import parse_events
from data import audit, retention
from data.histogram import MAX_RELATIVE_ERROR
from data.ingest import apply_batch
from data.periods import custom_range, preset_period
from tests.builders import Msg, Spec, build, sid

KEEP_DAYS = 30
DAY = 86_400
TOKEN = "retention-test-token-0123456789"


def specs(now: datetime) -> tuple[list[Spec], list[Spec]]:
    """(sessions retention must delete, sessions it must keep) for KEEP_DAYS = 30."""
    old = [
        Spec(
            sid(1),
            "client",
            now - timedelta(days=60),
            [Msg("user", 0), Msg("assistant", 5, 400.0), Msg("user", 60), Msg("assistant", 65, 900.0)],
            ["billing", "refunds"],
            actions=2,
            rating=5,
            resolved=True,
        ),
        Spec(
            sid(2),
            "provider",
            now - timedelta(days=50),
            [Msg("user", 0), Msg("assistant", 3, 1200.0)],
            ["billing"],
            rating=2,
            escalated=True,
        ),
        Spec(sid(3), "anonymous", now - timedelta(days=40), [Msg("user", 0)]),
        # Left open, silent for 45 days: abandoned, it goes too.
        Spec(sid(4), "client", now - timedelta(days=45), [Msg("user", 0)], closed_after_s=None),
    ]
    kept = [
        # Started 45 days ago, still open and written to an hour ago.
        Spec(
            sid(5), "client", now - timedelta(days=45),
            [Msg("user", 0), Msg("user", 45 * DAY - 3600)], ["refunds"], closed_after_s=None,
        ),
        # Started 40 days ago, closed 29 days ago: last active within the 30 days.
        Spec(
            sid(6), "provider", now - timedelta(days=40), [Msg("user", 0), Msg("assistant", 10, 300.0)],
            closed_after_s=11 * DAY,
        ),
        Spec(
            sid(7), "client", now - timedelta(days=5), [Msg("user", 0), Msg("assistant", 4, 700.0)],
            ["billing"], rating=4, resolved=True,
        ),
        Spec(sid(8), "anonymous", now - timedelta(days=1), [Msg("user", 0)]),
    ]  # fmt: skip
    return old, kept


def ingest_old_session(engine, now: datetime) -> str:
    """One session of 41 days ago sent through the ingestion path then (3 idempotency keys)."""
    session = str(uuid.uuid4())
    at = now - timedelta(days=41)
    body = {
        "events": [
            {"event_id": str(uuid.uuid4()), "type": t, "session_id": session, "at": (at + timedelta(seconds=i)).isoformat(), **f}
            for i, (t, f) in enumerate(
                [
                    ("session_started", {"user_type": "client"}),
                    ("message", {"sender_type": "user", "content": "hello"}),
                    ("session_closed", {}),
                ]
            )
        ]
    }  # fmt: skip
    events, errors = parse_events(body, now)
    assert not errors
    with engine.begin() as conn:
        apply_batch(conn, events, received_at=at)
    return session


def table_ids(engine, sql: str) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(text(sql)).scalars())


def raw_counts(engine) -> dict[str, int]:
    tables = (
        "chat_sessions",
        "chat_messages",
        "chat_analytics",
        "session_topics",
        "session_actions",
        "ingested_events",
    )
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in tables}  # noqa: S608 (fixed names)


def printed_counts(output: str) -> dict[str, int]:
    """The counts of the command's summary line, by kind."""
    kinds = {"sessions": "sessions", "messages": "messages", "analytics rows": "analytics",
             "topic rows": "topics", "actions": "actions", "event ids": "event_keys"}  # fmt: skip
    found = {}
    for number, kind in re.findall(
        r"([\d,]+) (sessions|messages|analytics rows|topic rows|actions|event ids)", output
    ):
        found.setdefault(kinds[kind], int(number.replace(",", "")))
    return found


def figures(engine, period, user_type=None) -> dict:
    """Every dashboard figure of the period, response times apart (compared with their tolerance)."""
    with engine.connect() as conn:
        summary = asdict(metrics.summary(conn, period, user_type))
        activity = metrics.activity_over_time(conn, period, user_type).to_dict("records")
        series = metrics.response_time_series(conn, period, user_type)
        times = metrics.response_times(conn, period, user_type)
    for volatile in ("period", "computed_at", "active_now", "response_times"):
        summary.pop(volatile)
    return {"summary": summary, "activity": activity, "series": series, "times": times}


def assert_same_figures(before: dict, after: dict) -> None:
    assert after["summary"] == before["summary"]
    assert after["activity"] == before["activity"]
    # Response times: exact from the messages before, from the rollups' histograms after (the
    # contract's approximation: percentiles within 2%; means to the microsecond).
    b, a = before["times"], after["times"]
    assert a.count == b.count > 0
    assert a.average == pytest.approx(b.average, abs=1e-3)
    for q, value in b.percentiles.items():
        assert a.p(q) == pytest.approx(value, rel=MAX_RELATIVE_ERROR), q
    sb, sa = before["series"].to_dict("records"), after["series"].to_dict("records")
    assert [r["count"] for r in sa] == [r["count"] for r in sb]
    for rb, ra in zip(sb, sa, strict=True):
        assert ra["at"] == rb["at"]
        for name, tolerance in (
            ("average", {"abs": 1e-3}),
            ("p50", {"rel": MAX_RELATIVE_ERROR}),
            ("p95", {"rel": MAX_RELATIVE_ERROR}),
        ):
            if missing(rb[name]):
                assert missing(ra[name]), (rb, ra)
            else:
                assert ra[name] == pytest.approx(rb[name], **tolerance), (rb, ra)


def missing(value) -> bool:
    return value is None or value != value  # None or NaN


def test_retention_deletes_exactly_the_expired_sessions_and_keeps_the_figures(engine, database_url, capsys):
    now = datetime.now(UTC)
    old, kept = specs(now)
    build(engine, old + kept)
    ingested = ingest_old_session(engine, now)
    periods = [
        custom_range((now - timedelta(days=70)).date(), (now - timedelta(days=20)).date(), UTC),
        preset_period("90d", UTC, now),
    ]  # fmt: skip
    before = {(i, ut): figures(engine, p, ut) for i, p in enumerate(periods) for ut in (None, "client")}
    counts_before = raw_counts(engine)
    with engine.connect() as conn:
        active_before = metrics.active_sessions(conn)

    assert retention.main(["--keep-days", str(KEEP_DAYS), "--database-url", database_url]) == 0

    # Exactly the old sessions are gone, with every row of theirs; the kept ones keep all of theirs.
    kept_ids = sorted(s.session_id for s in kept)
    assert table_ids(engine, "SELECT session_id FROM chat_sessions") == kept_ids
    assert table_ids(engine, "SELECT DISTINCT session_id FROM chat_messages") == kept_ids
    assert table_ids(engine, "SELECT session_id FROM chat_analytics") == sorted(
        s.session_id for s in kept if s.closed
    )
    assert table_ids(engine, "SELECT DISTINCT session_id FROM session_topics") == sorted(
        s.session_id for s in kept if s.topics
    )
    assert table_ids(engine, "SELECT event_id FROM ingested_events") == []
    expected = {
        "sessions": len(old) + 1,
        "messages": sum(len(s.messages) for s in old) + 1,
        "analytics": sum(s.closed for s in old) + 1,
        "topics": sum(len(s.topics) for s in old),
        "actions": sum(s.actions for s in old),
        "event_keys": 3,
    }
    after = raw_counts(engine)
    assert counts_before["chat_messages"] - after["chat_messages"] == expected["messages"]
    assert counts_before["session_actions"] - after["session_actions"] == expected["actions"]
    assert printed_counts(capsys.readouterr().out) == expected
    assert ingested not in table_ids(engine, "SELECT session_id FROM chat_sessions")

    # The figures of the old period, and of the last 90 days, read the same from the rollups.
    for (i, ut), figures_before in before.items():
        assert_same_figures(figures_before, figures(engine, periods[i], ut))
    # "Active now" is the one figure that changes: the abandoned open session is gone.
    with engine.connect() as conn:
        assert metrics.active_sessions(conn) == active_before - 1

    # Audited, with the counts.
    with engine.connect() as conn:
        (entry,) = audit.entries(conn, action="retention")
    assert entry["actor"].startswith("cli")
    assert entry["detail"]["dry_run"] is False
    assert entry["detail"]["keep_days"] == KEEP_DAYS
    assert {k: entry["detail"][k] for k in expected} == expected

    # Run again: nothing left to delete.
    assert retention.main(["--keep-days", str(KEEP_DAYS), "--database-url", database_url]) == 0
    assert printed_counts(capsys.readouterr().out) == dict.fromkeys(expected, 0)


def test_dry_run_prints_the_counts_and_deletes_nothing(engine, database_url, capsys):
    now = datetime.now(UTC)
    old, kept = specs(now)
    build(engine, old + kept)
    before = raw_counts(engine)

    assert retention.main(["--keep-days", str(KEEP_DAYS), "--dry-run", "--database-url", database_url]) == 0

    out = capsys.readouterr().out
    assert "dry run: nothing deleted" in out
    assert printed_counts(out) == {
        "sessions": len(old),
        "messages": sum(len(s.messages) for s in old),
        "analytics": sum(s.closed for s in old),
        "topics": sum(len(s.topics) for s in old),
        "actions": sum(s.actions for s in old),
        "event_keys": 0,
    }
    assert raw_counts(engine) == before
    with engine.connect() as conn:
        (entry,) = audit.entries(conn, action="retention")
    assert entry["detail"]["dry_run"] is True and entry["detail"]["sessions"] == len(old)

    # A longer retention finds nothing to delete.
    assert retention.main(["--keep-days", "90", "--dry-run", "--database-url", database_url]) == 0
    assert printed_counts(capsys.readouterr().out)["sessions"] == 0


def test_failure_is_one_line_and_a_non_zero_exit(capsys):
    code = retention.main(["--keep-days", "7", "--database-url", "postgresql+psycopg://x@127.0.0.1:1/none"])
    err = capsys.readouterr().err
    assert code != 0
    assert err.startswith("error: database:") and err.count("\n") == 1
    with pytest.raises(SystemExit) as exit_info:
        retention.main(["--keep-days", "0"])
    assert exit_info.value.code != 0
    assert "--keep-days must be at least 1" in capsys.readouterr().err


def test_retention_while_ingesting_loses_no_event(make_app, engine):
    """Batches go through POST /api/v1/events while retention deletes old sessions in small
    transactions; each retention transaction waits for one more accepted batch (for the first few),
    so the two interleave for certain, and they also run freely side by side."""
    app = make_app(ingest_tokens=(TOKEN,))
    now = datetime.now(UTC)
    old = [
        Spec(str(uuid.uuid4()), "client", now - timedelta(days=40 + i / 10), [Msg("user", 0), Msg("assistant", 2, 500.0), Msg("user", 30)], ["billing"])
        for i in range(120)
    ]  # fmt: skip
    long_open = Spec(sid(99), "client", now - timedelta(days=45), [Msg("user", 0), Msg("user", 45 * DAY - 600)], closed_after_s=None)  # fmt: skip
    build(engine, [*old, long_open])

    sent: list[dict] = []
    answers: list[tuple[int, dict]] = []
    accepted = threading.Condition()
    stop = threading.Event()

    def one_batch(n: int) -> list[dict]:
        events = []
        for _ in range(3):
            session = str(uuid.uuid4())
            at = datetime.now(UTC)
            kinds = [("session_started", {"user_type": "provider"})]
            kinds += [("message", {"sender_type": "user", "content": f"q{k}"}) for k in range(3)]
            kinds += [("session_closed", {})]
            events += [
                {"event_id": str(uuid.uuid4()), "type": t, "session_id": session, "at": (at + timedelta(milliseconds=i)).isoformat(), **f}
                for i, (t, f) in enumerate(kinds)
            ]  # fmt: skip
        events.append(
            {"event_id": str(uuid.uuid4()), "type": "message", "session_id": long_open.session_id,
             "at": datetime.now(UTC).isoformat(), "sender_type": "user", "content": f"still here {n}"}
        )  # fmt: skip
        return events

    def ingest() -> None:
        client = app.server.test_client()
        n = 0
        while not stop.is_set():
            events = one_batch(n)
            response = client.post(
                "/api/v1/events",
                data=json.dumps({"events": events}),
                headers={"Authorization": f"Bearer {TOKEN}"},
                content_type="application/json",
            )
            with accepted:
                sent.extend(events)
                answers.append((response.status_code, response.get_json()))
                accepted.notify_all()
            n += 1

    def interleave(progress: retention.Progress) -> None:
        if progress.transactions <= 6:
            with accepted:
                seen = len(answers)
                assert accepted.wait_for(lambda: len(answers) > seen, timeout=30)

    worker = threading.Thread(target=ingest)
    worker.start()
    try:
        done = retention.run(engine, KEEP_DAYS, batch_rows=40, report=interleave)
    finally:
        stop.set()
        worker.join(timeout=60)

    assert done.deleted.sessions == len(old)
    assert done.transactions > 6
    assert len(answers) > 6
    bad = [(status, body) for status, body in answers if status != 200 or body["duplicates"]]
    assert bad == []
    assert sum(body["accepted"] for _, body in answers) == len(sent)
    # Nothing ingested is missing; nothing old is left; the long-open session kept all its messages.
    with engine.connect() as conn:
        stored_ids = set(conn.execute(text("SELECT event_id FROM ingested_events")).scalars())
        sessions = set(conn.execute(text("SELECT session_id FROM chat_sessions")).scalars())
        messages = dict(conn.execute(text("SELECT session_id, COUNT(*) FROM chat_messages GROUP BY session_id")).all())  # fmt: skip
    assert stored_ids == {e["event_id"] for e in sent}
    new_sessions = {e["session_id"] for e in sent if e["type"] == "session_started"}
    assert sessions == new_sessions | {long_open.session_id}
    assert all(messages[s] == 3 for s in new_sessions)
    extra = sum(1 for e in sent if e["session_id"] == long_open.session_id)
    assert messages[long_open.session_id] == 2 + extra
