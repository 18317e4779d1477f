"""rollup tables, filled from the existing rows

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

HOURLY_COUNTERS = (
    "sessions",
    "active",
    "rated_1",
    "rated_2",
    "rated_3",
    "rated_4",
    "rated_5",
    "analysed",
    "resolved",
    "escalated",
    "engagement_tenths",
    "msg_user",
    "msg_assistant",
    "msg_system",
    "rt_count",
    "rt_micros",
)


def _counter(name: str) -> sa.Column:
    return sa.Column(name, sa.BigInteger(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "rollup_hours",
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("user_type", sa.String(length=16), nullable=False),
        *(_counter(name) for name in HOURLY_COUNTERS),
        sa.PrimaryKeyConstraint("start", "user_type", name=op.f("pk_rollup_hours")),
    )
    op.create_table(
        "rollup_response",
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("user_type", sa.String(length=16), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        _counter("n"),
        sa.PrimaryKeyConstraint("grain", "start", "user_type", "bucket", name=op.f("pk_rollup_response")),
    )
    op.create_table(
        "rollup_topics",
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("user_type", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        _counter("sessions"),
        _counter("unresolved"),
        sa.PrimaryKeyConstraint("grain", "start", "user_type", "topic", name=op.f("pk_rollup_topics")),
    )
    op.create_table(
        "rollup_message_sessions",
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("user_type", sa.String(length=16), nullable=False),
        sa.Column("gap", sa.Integer(), nullable=False),
        _counter("sessions"),
        sa.PrimaryKeyConstraint("start", "user_type", "gap", name=op.f("pk_rollup_message_sessions")),
    )
    # Databases created before the rollups get them computed from their rows by 0009, the last
    # migration that changes the rollup tables: data.rollups.rebuild writes the newest ones.


def downgrade() -> None:
    for name in ("rollup_message_sessions", "rollup_topics", "rollup_response", "rollup_hours"):
        op.drop_table(name)
