"""dashboard states from the enum: re-create dashboards_state_known from core.pipeline.machine.DashboardState

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 02:00:00

Adding a state is a DashboardState member plus a migration like this one, which re-generates the constraint
from the enum as it is when the migration is written.
"""

from alembic import op

from core.pipeline.machine import DashboardState

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

CONSTRAINT = "dashboards_state_known"
# The list 0001 created the constraint from, restored on downgrade.
STATES_BEFORE = ("detected", "dashboard_ready", "preview_ready", "posted", "failed", "muted")


def _recreate(states: tuple[str, ...]) -> None:
    op.drop_constraint(CONSTRAINT, "dashboards", type_="check")
    # Joined by hand: a one-state tuple's repr would end in a comma, which is not SQL.
    op.create_check_constraint(CONSTRAINT, "dashboards", "state IN (" + ", ".join(f"'{s}'" for s in states) + ")")


def upgrade() -> None:
    _recreate(tuple(state.value for state in DashboardState))


def downgrade() -> None:
    _recreate(STATES_BEFORE)
