"""The pipeline's states as the database sees them: the check constraint the migrations generate from
DashboardState accepts every state and nothing else."""

from __future__ import annotations

import psycopg
import pytest

from core.pipeline.machine import DashboardState

pytestmark = pytest.mark.db


def _insert_dashboard(conn: psycopg.Connection, state: str) -> None:
    user_id = conn.execute(
        "INSERT INTO users (username) VALUES (%s) RETURNING id", (f"u_{state}"[:31].lower(),)
    ).fetchone()
    assert user_id is not None
    conn.execute(
        "INSERT INTO dashboards (user_id, kind, database_name, table_name, state) VALUES (%s, 'timing', 'd', 't', %s)",
        (user_id[0], state),
    )


def test_the_migrated_database_accepts_every_state_and_refuses_others(master_db_url: str) -> None:
    with psycopg.connect(master_db_url, autocommit=True) as conn:
        for state in DashboardState:
            _insert_dashboard(conn, state.value)
        with pytest.raises(psycopg.errors.CheckViolation, match="dashboards_state_known"):
            _insert_dashboard(conn, "archived")
        stored = {row[0] for row in conn.execute("SELECT state FROM dashboards")}
    assert stored == {state.value for state in DashboardState}
