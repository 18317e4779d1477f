"""saved views: staff users' named dashboard filters, private or shared; the cached answers' index

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("query", sa.String(length=2000), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_saved_views_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
        sa.UniqueConstraint("owner_id", "name", name=op.f("uq_saved_views_owner_id_name")),
    )

    # The `cached` segment: per session, is there a cached answer? (a few percent of the messages)
    op.create_index(
        "ix_chat_messages_cached",
        "chat_messages",
        ["session_id"],
        unique=False,
        sqlite_where=sa.text("is_cached_response = 1"),
        postgresql_where=sa.text("is_cached_response"),
    )


def downgrade() -> None:
    op.drop_index("ix_chat_messages_cached", table_name="chat_messages")
    op.drop_table("saved_views")
