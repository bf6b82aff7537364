"""change-driven scan and fair claims: counters seen per user database, the last full listing, table oids and
drops, and when each user's row was last claimed

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 02:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scan_counters",
        sa.Column("database_name", sa.String(length=63), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("tup_inserted", sa.BigInteger(), nullable=False),
        sa.Column("tup_updated", sa.BigInteger(), nullable=False),
        sa.Column("tup_deleted", sa.BigInteger(), nullable=False),
        sa.Column("stats_reset", sa.DateTime(timezone=True), nullable=True),
        sa.Column("listed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "scan_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("last_full_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("server_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("id = 1", name="scan_state_single_row"),
    )
    op.add_column("dashboards", sa.Column("table_oid", sa.BigInteger(), nullable=True))
    op.add_column("dashboards", sa.Column("table_dropped_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("users", sa.Column("last_claimed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "last_claimed_at")
    op.drop_column("dashboards", "table_dropped_at")
    op.drop_column("dashboards", "table_oid")
    op.drop_table("scan_state")
    op.drop_table("scan_counters")
