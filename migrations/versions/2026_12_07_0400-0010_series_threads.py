"""series threads: a later run of a series is a reply in the thread of the series' first message

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 04:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The ts of the parent message a run was posted under; NULL for a series' first run (the parent itself).
    op.add_column("dashboards", sa.Column("thread_ts", sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column("dashboards", "thread_ts")
