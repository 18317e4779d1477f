"""ingested_events: an index on received_at, for data.retention to forget old idempotency keys

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_ingested_events_received_at"), "ingested_events", ["received_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ingested_events_received_at"), table_name="ingested_events")
