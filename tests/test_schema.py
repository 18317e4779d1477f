"""The migrations build exactly the contract's schema, on SQLite with the promised settings."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from data.db import create_engine, upgrade_schema
from data.schema import metadata

CONTRACT_COLUMNS = {
    "users": ["id", "username", "email", "password_hash", "user_type", "is_staff", "is_active", "created_at"],
    "chat_sessions": [
        "session_id", "user_id", "user_type", "is_active", "created_at", "updated_at", "closed_at",
        "satisfaction_rating",
    ],
    "chat_messages": [
        "message_id", "session_id", "sender_type", "content", "created_at", "processing_time_ms",
        "is_cached_response", "metadata",
    ],
    "chat_analytics": [
        "analytics_id", "session_id", "total_messages", "user_messages", "assistant_messages",
        "average_response_time_ms", "resolved", "escalated_to_human", "topics_discussed", "actions_taken",
        "engagement_score", "created_at",
    ],
}  # fmt: skip


def test_migrations_match_the_models(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []


def test_contract_tables_and_columns_exist(engine):
    inspector = inspect(engine)
    for table, columns in CONTRACT_COLUMNS.items():
        present = {c["name"] for c in inspector.get_columns(table)}
        assert set(columns) <= present, table
    assert any(
        u["column_names"] == ["session_id"] for u in inspector.get_unique_constraints("chat_analytics")
    )


def test_time_range_columns_are_indexed(engine):
    inspector = inspect(engine)
    for table in ("chat_sessions", "chat_messages"):
        leading = {ix["column_names"][0] for ix in inspector.get_indexes(table)}
        assert "created_at" in leading, table


def test_upgrade_is_idempotent(engine):
    upgrade_schema(engine)  # already at head: nothing to do, nothing broken
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM alembic_version")).scalar() == 1


def test_sqlite_runs_with_wal_busy_timeout_and_foreign_keys(sqlite_url):
    eng = create_engine(sqlite_url)
    upgrade_schema(eng)
    with eng.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    eng.dispose()
