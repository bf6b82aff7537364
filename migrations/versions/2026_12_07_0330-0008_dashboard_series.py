"""series: each dashboard names the series (runs of one design or report name) it belongs to

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 03:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for dashboards built before series existed: the next build (or `/eda series`) fills it in.
    op.add_column("dashboards", sa.Column("series", sa.String(length=120), nullable=True))
    op.add_column("dashboards", sa.Column("series_chosen", sa.Boolean(), server_default="false", nullable=False))
    op.create_index("dashboards_series", "dashboards", ["user_id", "kind", "series"])


def downgrade() -> None:
    op.drop_index("dashboards_series", table_name="dashboards")
    op.drop_column("dashboards", "series_chosen")
    op.drop_column("dashboards", "series")
