"""hourly quota: the `deferred` state (re-generated from the enum), when each row entered the pipeline, and the
one summary message per user database for its deferred tables

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 03:00:00
"""

import sqlalchemy as sa
from alembic import op

from core.pipeline.machine import DashboardState

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

CONSTRAINT = "dashboards_state_known"
# The states as 0005 generated them, restored on downgrade.
STATES_BEFORE = ("detected", "dashboard_ready", "preview_ready", "posted", "failed", "muted")


def _recreate(states: tuple[str, ...]) -> None:
    op.drop_constraint(CONSTRAINT, "dashboards", type_="check")
    op.create_check_constraint(CONSTRAINT, "dashboards", "state IN (" + ", ".join(f"'{s}'" for s in states) + ")")


def upgrade() -> None:
    _recreate(tuple(state.value for state in DashboardState))
    op.add_column(
        "dashboards", sa.Column("admitted_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True)
    )
    # Rows already in the pipeline entered it when they were found: the quota counts them from then.
    op.execute("UPDATE dashboards SET admitted_at = created_at")
    op.create_index("dashboards_admitted", "dashboards", ["user_id", "admitted_at"])
    op.create_table(
        "deferral_notices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("database_name", sa.String(length=63), nullable=False),
        sa.Column("shown_count", sa.Integer(), nullable=True),
        sa.Column("slack_channel", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("send_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("user_id", "database_name", name="deferral_notices_user_database_unique"),
    )


def downgrade() -> None:
    op.drop_table("deferral_notices")
    op.drop_index("dashboards_admitted", table_name="dashboards")
    op.drop_column("dashboards", "admitted_at")
    # Deferred rows become ordinary detected rows again, so the narrower constraint accepts them.
    op.execute("UPDATE dashboards SET state = 'detected' WHERE state = 'deferred'")
    _recreate(STATES_BEFORE)
