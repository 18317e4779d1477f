"""SQLite: the open-sessions partial index spelled as the queries compare (is_active = 1)

SQLAlchemy compiles a boolean test to `is_active = 1` on SQLite, which SQLite does not match with
an index `WHERE is_active`: the live count scanned the whole table.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _recreate(predicate: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.drop_index("ix_chat_sessions_active", table_name="chat_sessions")
    op.create_index(
        "ix_chat_sessions_active",
        "chat_sessions",
        ["is_active"],
        unique=False,
        sqlite_where=sa.text(predicate),
    )


def upgrade() -> None:
    _recreate("is_active = 1")


def downgrade() -> None:
    _recreate("is_active")
