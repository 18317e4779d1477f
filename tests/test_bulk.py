"""Many rows at once (COPY on PostgreSQL): every value reads back as given, and a refused row is
the same error an INSERT gives, with nothing of the call stored."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from data import bulk, recording
from data.schema import chat_messages

AWKWARD = [
    "tab\there, newline\nthere, CR\r too",
    "back\\slash \\N and a lone \\",
    "quotes \"double\" 'single', commas, ; semicolons",
    "unicode: Grüße, 東京, emoji 🎉, RTL שלום",
    "",
    "\\.",  # COPY's end-of-data marker in text format
]


def _message_rows(session_id: str, start: datetime) -> list[dict]:
    return [
        {
            "message_id": f"m-{n}",
            "session_id": session_id,
            "sender_type": "assistant" if n % 2 else "user",
            "content": content,
            "created_at": start + timedelta(seconds=n, microseconds=123_456),
            "processing_time_ms": 812.25 if n % 2 else None,
            "is_cached_response": n == 1,
            "metadata": {"model": "x", "nested": {"list": [1, 2.5, None, "ü"]}} if n % 3 == 0 else None,
        }
        for n, content in enumerate(AWKWARD)
    ]


def test_every_value_reads_back_as_given(engine):
    # A zone east of UTC: the timestamps must be stored as the same instants in UTC.
    start = datetime(2026, 3, 29, 0, 59, 58, tzinfo=timezone(timedelta(hours=2)))
    with engine.begin() as conn:
        recording.start_session(conn, session_id="s-1", at=start - timedelta(minutes=1), user_type="client")
        bulk.insert_rows(conn, chat_messages, _message_rows("s-1", start))
    with engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT message_id, content, created_at, processing_time_ms, is_cached_response, metadata "
                "FROM chat_messages ORDER BY message_id"
            )
        ).all()
    assert [r.content for r in stored] == AWKWARD
    for n, row in enumerate(stored):
        at = (
            row.created_at if isinstance(row.created_at, datetime) else datetime.fromisoformat(row.created_at)
        )
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at  # SQLite keeps UTC without an offset
        assert at == start + timedelta(seconds=n, microseconds=123_456)
        assert row.processing_time_ms == (812.25 if n % 2 else None)
        assert bool(row.is_cached_response) is (n == 1)
    parsed = [json.loads(r.metadata) if isinstance(r.metadata, str) else r.metadata for r in stored]
    assert parsed[0] == {"model": "x", "nested": {"list": [1, 2.5, None, "ü"]}} and parsed[1] is None


def test_a_duplicate_key_is_an_integrity_error_and_stores_nothing_of_the_call(engine):
    start = datetime(2026, 11, 20, 12, tzinfo=UTC)
    with engine.begin() as conn:
        recording.start_session(conn, session_id="s-1", at=start, user_type="client")
        bulk.insert_rows(conn, chat_messages, _message_rows("s-1", start)[:1])
    rows = _message_rows("s-1", start)  # m-0 again, among new ones
    with pytest.raises(IntegrityError), engine.begin() as conn:
        bulk.insert_rows(conn, chat_messages, rows)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM chat_messages")).scalar_one() == 1
