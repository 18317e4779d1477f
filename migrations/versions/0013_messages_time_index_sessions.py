"""chat_messages' time index also holds session_id: the sessions with messages in a period's partial
edge hours are read from the index alone, not from one table row per message

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

OLD = "ix_chat_messages_created_at_sender_type_processing_time_ms"
NEW = "ix_chat_messages_created_at_covering"  # the convention's name passes 63 characters


def upgrade() -> None:
    # The new index first: readers keep an index on the messages' time throughout.
    op.create_index(NEW, "chat_messages", ["created_at", "sender_type", "processing_time_ms", "session_id"])
    op.drop_index(OLD, table_name="chat_messages")


def downgrade() -> None:
    op.create_index(OLD, "chat_messages", ["created_at", "sender_type", "processing_time_ms"])
    op.drop_index(NEW, table_name="chat_messages")
