"""grafana capture token: the Viewer service-account token edabot created for the capture browser

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 01:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grafana_capture_tokens",
        sa.Column("grafana", sa.String(length=600), nullable=False),
        sa.Column("service_account_id", sa.BigInteger(), nullable=False),
        sa.Column("token_id", sa.BigInteger(), nullable=False),
        sa.Column("encrypted_token", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("grafana"),
    )


def downgrade() -> None:
    op.drop_table("grafana_capture_tokens")
