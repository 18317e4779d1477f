"""rollup_topics: outcomes, ratings and messages per topic; rollup_topic_response: response-time
histograms per topic (the topic explorer); every rollup rebuilt from the existing rows

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TOPIC_COUNTERS = (
    "sessions",
    "unresolved",
    "analysed",
    "resolved",
    "escalated",
    "rated",
    "rating_sum",
    "messages",
    "message_sessions",
)
NEW_COUNTERS = TOPIC_COUNTERS[2:]


def _counter(name: str) -> sa.Column:
    return sa.Column(name, sa.BigInteger(), nullable=False)


def upgrade() -> None:
    # Derived rows only: the table is recreated with its new counters and refilled below.
    op.drop_table("rollup_topics")
    op.create_table(
        "rollup_topics",
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("user_type", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        *(_counter(name) for name in TOPIC_COUNTERS),
        sa.PrimaryKeyConstraint("grain", "start", "user_type", "topic", name=op.f("pk_rollup_topics")),
    )
    op.create_table(
        "rollup_topic_response",
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("user_type", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        _counter("n"),
        sa.PrimaryKeyConstraint(
            "grain", "start", "user_type", "topic", "bucket", name=op.f("pk_rollup_topic_response")
        ),
    )
    # data.rollups.rebuild is written for the newest rollup tables, so the last migration that
    # changes them runs it (0014 now); this one asks it to, on the migrating connection.
    op.get_bind().info["rebuild_rollups"] = True


def downgrade() -> None:
    op.drop_table("rollup_topic_response")
    with op.batch_alter_table("rollup_topics", schema=None) as batch_op:
        for name in NEW_COUNTERS:
            batch_op.drop_column(name)
