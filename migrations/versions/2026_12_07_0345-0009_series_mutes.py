"""series mutes: the Mute button and `/eda mute`/`unmute` act on a series, not a table

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 03:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "series_mutes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("series", sa.String(length=120), nullable=False),
        sa.Column("muted_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("user_id", "kind", "series", name="series_mutes_user_kind_series_unique"),
    )


def downgrade() -> None:
    op.drop_table("series_mutes")
