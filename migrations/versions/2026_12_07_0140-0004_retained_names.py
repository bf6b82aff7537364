"""retained names: usernames whose databases were kept at deletion stay reserved

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 01:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retained_names",
        sa.Column("username", sa.String(length=31), primary_key=True),
        sa.Column("slack_user_id", sa.String(length=32), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("deleted_by", sa.String(length=64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("retained_names")
