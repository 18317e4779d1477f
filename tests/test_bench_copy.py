"""`python -m bench.copy_database`: the copy holds the seeded rows, and the app keeps writing after it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from bench.copy_database import copy
from data.db import create_engine, upgrade_schema
from data.seed import generate
from data.users import create_user

TABLES = ("users", "chat_sessions", "chat_messages", "chat_analytics", "session_topics", "rollup_hours",
          "rollup_topic_response")  # fmt: skip
# Sums that change if a row, a value or a timestamp's instant is lost or altered on the way.
CHECKS = {
    "messages": "SELECT count(*), sum(length(content)), sum(coalesce(processing_time_ms, 0)) FROM chat_messages",
    "hours": "SELECT count(*), sum(sessions), sum(msg_assistant), sum(rt_micros) FROM rollup_hours",
    "first": "SELECT min(created_at), max(created_at) FROM chat_sessions",
}


def _comparable(value):
    """Numbers as they are; instants as UTC text to the second (SQLite returns its stored text)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")[:19]
    return value[:19] if isinstance(value, str) else value


def _figures(engine) -> dict:
    with engine.connect() as conn:
        out = {name: conn.execute(text(f"SELECT count(*) FROM {name}")).scalar() for name in TABLES}  # noqa: S608 - fixed names
        for label, sql in CHECKS.items():
            out[label] = tuple(_comparable(v) for v in conn.execute(text(sql)).one())
    return out


def test_the_copy_holds_every_seeded_row_and_takes_new_ones(tmp_path, database_url):
    sqlite_url = f"sqlite:///{tmp_path / 'seeded.db'}"
    source = create_engine(sqlite_url)
    upgrade_schema(source)
    generate(source, sessions=300, days=10, active=5, seed=3)
    expected = _figures(source)
    source.dispose()

    counts = copy(sqlite_url, database_url, progress=False)

    target = create_engine(database_url)
    assert _figures(target) == expected
    assert counts["chat_messages"] == expected["chat_messages"] > 0
    # The id sequences were moved past the copied ids: the app can add a user.
    with target.begin() as conn:
        create_user(conn, "after-the-copy", password="a long enough password", is_staff=True)
        ids = conn.execute(text("SELECT count(DISTINCT id), count(*) FROM users")).one()
    assert ids[0] == ids[1] == expected["users"] + 1
    target.dispose()


def test_a_database_with_rows_is_refused(tmp_path, database_url):
    sqlite_url = f"sqlite:///{tmp_path / 'seeded.db'}"
    source = create_engine(sqlite_url)
    upgrade_schema(source)
    generate(source, sessions=20, days=2, active=1, seed=4)
    source.dispose()
    copy(sqlite_url, database_url, progress=False)
    try:
        copy(sqlite_url, database_url, progress=False)
    except SystemExit as exc:
        assert "already holds rows" in str(exc)
    else:
        raise AssertionError("a second copy into the same database was accepted")
