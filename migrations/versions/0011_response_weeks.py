"""rollup_response: week rows (7-day blocks from the epoch), summed from its day rows, so that a
90-day response-time figure reads ~12 week rows per bucket instead of ~90 day rows

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # 0009 rebuilds every rollup with today's code, which already writes week rows: start afresh so
    # that either way each week is the sum of its days, once. Integer division on both databases.
    op.execute(sa.text("DELETE FROM rollup_response WHERE grain = 'w'"))
    op.execute(
        sa.text(
            "INSERT INTO rollup_response (grain, start, user_type, bucket, n) "
            "SELECT 'w', (start / 604800) * 604800, user_type, bucket, SUM(n) FROM rollup_response "
            "WHERE grain = 'd' GROUP BY (start / 604800) * 604800, user_type, bucket"
        )
    )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM rollup_response WHERE grain = 'w'"))
