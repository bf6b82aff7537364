"""pipeline state: retry point, send intent, uploaded preview file

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 23:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("dashboards", sa.Column("retry_from", sa.String(length=16), nullable=True))
    op.add_column("dashboards", sa.Column("send_started_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("dashboards", sa.Column("slack_file_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column("dashboards", "slack_file_id")
    op.drop_column("dashboards", "send_started_at")
    op.drop_column("dashboards", "retry_from")
