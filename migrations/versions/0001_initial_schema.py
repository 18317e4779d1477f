"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=150), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("user_type", sa.String(length=16), nullable=False),
        sa.Column("is_staff", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("user_type IN ('client', 'provider')", name=op.f("ck_users_user_type")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "chat_sessions",
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("user_type", sa.String(length=16), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("satisfaction_rating", sa.SmallInteger(), nullable=True),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("escalated_to_human", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "user_type IN ('client', 'provider', 'anonymous')", name=op.f("ck_chat_sessions_user_type")
        ),
        sa.CheckConstraint(
            "satisfaction_rating BETWEEN 1 AND 5", name=op.f("ck_chat_sessions_satisfaction_rating")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_chat_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_chat_sessions")),
    )
    with op.batch_alter_table("chat_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_chat_sessions_active",
            ["is_active"],
            unique=False,
            sqlite_where=sa.text("is_active"),
            postgresql_where=sa.text("is_active"),
        )
        batch_op.create_index(
            batch_op.f("ix_chat_sessions_created_at_user_type"), ["created_at", "user_type"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_chat_sessions_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_chat_sessions_user_type_created_at"), ["user_type", "created_at"], unique=False
        )

    op.create_table(
        "chat_analytics",
        sa.Column("analytics_id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("total_messages", sa.Integer(), nullable=False),
        sa.Column("user_messages", sa.Integer(), nullable=False),
        sa.Column("assistant_messages", sa.Integer(), nullable=False),
        sa.Column("average_response_time_ms", sa.Float(), nullable=True),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("escalated_to_human", sa.Boolean(), nullable=False),
        sa.Column("topics_discussed", sa.JSON(), nullable=False),
        sa.Column("actions_taken", sa.JSON(), nullable=False),
        sa.Column("engagement_score", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["chat_sessions.session_id"],
            name=op.f("fk_chat_analytics_session_id_chat_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("analytics_id", name=op.f("pk_chat_analytics")),
        sa.UniqueConstraint("session_id", name=op.f("uq_chat_analytics_session_id")),
    )
    op.create_table(
        "chat_messages",
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("sender_type", sa.String(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processing_time_ms", sa.Float(), nullable=True),
        sa.Column("is_cached_response", sa.Boolean(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=True),
        sa.CheckConstraint(
            "sender_type IN ('user', 'assistant', 'system')", name=op.f("ck_chat_messages_sender_type")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["chat_sessions.session_id"],
            name=op.f("fk_chat_messages_session_id_chat_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_chat_messages")),
    )
    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chat_messages_created_at_sender_type_processing_time_ms"),
            ["created_at", "sender_type", "processing_time_ms"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_chat_messages_session_id_created_at"), ["session_id", "created_at"], unique=False
        )

    op.create_table(
        "session_actions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("action_type", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=2048), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["chat_sessions.session_id"],
            name=op.f("fk_session_actions_session_id_chat_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_actions")),
    )
    with op.batch_alter_table("session_actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_actions_session_id_id"), ["session_id", "id"], unique=False
        )

    op.create_table(
        "session_topics",
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["chat_sessions.session_id"],
            name=op.f("fk_session_topics_session_id_chat_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "topic", name=op.f("pk_session_topics")),
    )


def downgrade() -> None:

    op.drop_table("session_topics")
    with op.batch_alter_table("session_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_actions_session_id_id"))

    op.drop_table("session_actions")
    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_messages_session_id_created_at"))
        batch_op.drop_index(batch_op.f("ix_chat_messages_created_at_sender_type_processing_time_ms"))

    op.drop_table("chat_messages")
    op.drop_table("chat_analytics")
    with op.batch_alter_table("chat_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_sessions_user_type_created_at"))
        batch_op.drop_index(batch_op.f("ix_chat_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_chat_sessions_created_at_user_type"))
        batch_op.drop_index(
            "ix_chat_sessions_active",
            sqlite_where=sa.text("is_active"),
            postgresql_where=sa.text("is_active"),
        )

    op.drop_table("chat_sessions")
    op.drop_table("users")
