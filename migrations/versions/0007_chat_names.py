"""users.chat_name: chat users are found by the name their back end sends, never among accounts

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chat_name", sa.String(length=150), nullable=True))
        batch_op.create_index(batch_op.f("ix_users_chat_name"), ["chat_name"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_chat_name"))
        batch_op.drop_column("chat_name")
