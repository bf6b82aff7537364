"""fair claims: each user's due rows in claim order, so a claim costs one probe per user, not a pass over the queue

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 05:00:00
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# The claimable states, written out: a migration must not change when the code's WORKING_STATES does.
# tests/integration/test_fair_claims.py checks that the index still covers exactly WORKING_STATES.
_WORKING = "('detected', 'dashboard_ready', 'preview_ready', 'failed')"


def upgrade() -> None:
    op.execute(
        f"CREATE INDEX dashboards_user_due ON dashboards (user_id, next_attempt_at, id) WHERE state IN {_WORKING}"
    )


def downgrade() -> None:
    op.execute("DROP INDEX dashboards_user_due")
