"""The pipeline machine over a real row: each step leaves the row where the transitions table says, and
the check constraint the migrations generate from DashboardState accepts every state and nothing else.

Real scan, dashboard publishing against the Grafana fake and the real SlackNotifier against the Slack
simulator; only the GIF capture is left out.
"""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import select

from core import registration, users
from core.authz import Actor
from core.context import CoreContext
from core.db.models import Credential, Dashboard
from core.pipeline import scanner, states, worker
from core.pipeline.machine import DashboardState
from core.pipeline.ports import Ports
from tests.conftest import owner_login
from tests.fakes.grafana import GrafanaFake
from tests.fakes.slack import SlackSimulator
from tests.integration.pipeline_rig import NoCapture, simulator_notifier, with_grafana

pytestmark = pytest.mark.db
OWNER_ID = "U0MACHINE"
CHANNEL = "C0MACHINE"


def _state(ctx: CoreContext, dashboard_id: int) -> str:
    with ctx.db.session() as session:
        return session.get_one(Dashboard, dashboard_id).state


def test_each_step_leads_where_the_transitions_table_says(core_ctx: CoreContext, unique_username) -> None:  # type: ignore[no-untyped-def]
    with SlackSimulator() as sim, GrafanaFake(render_delay_ms=5) as grafana:
        sim.add_user(OWNER_ID, name="stepper")
        sim.add_channel(CHANNEL, name="machine", is_member=True, members=[OWNER_ID])
        ctx, client = with_grafana(core_ctx, grafana)
        name = unique_username("stepper")
        registration.register(ctx, username=name, slack_user_id=OWNER_ID, actor=Actor.cli())
        with ctx.db.session() as session:
            owner = users.require(session, name)
            session.add(
                Credential(user_id=owner.id, key_name="SLACK_CHANNEL_ID", encrypted_value=ctx.cipher.encrypt(CHANNEL))
            )
        with owner_login(ctx, name, "timing") as conn:
            conn.execute('CREATE TABLE "run_1" (startpoint text, endpoint text, slack double precision)')
            conn.execute("INSERT INTO \"run_1\" VALUES ('a', 'b', -0.5), ('c', 'd', 0.25)")
        ports = Ports(NoCapture(), simulator_notifier(sim), owner="test:machine")
        try:
            scanner.scan(ctx, only_username=name)
            with ctx.db.session() as session:
                (dashboard_id,) = session.execute(select(Dashboard.id).where(Dashboard.table_name == "run_1")).one()
                (claim,) = states.claim_due(session, owner=ports.owner, lease_s=60, limit=10)
            assert claim.dashboard_id == dashboard_id
            state, seen = DashboardState(_state(ctx, dashboard_id)), []
            assert state is DashboardState.DETECTED
            while state in worker.TRANSITIONS:
                more = worker.take_one_step(ctx, ports, claim)
                after = _state(ctx, dashboard_id)
                assert after == worker.TRANSITIONS[state].leads_to, f"{state} led to {after}"
                seen.append(state)
                state = DashboardState(after)
                assert more == (state in worker.TRANSITIONS), "the worker stops exactly when the row stops"
        finally:
            client.close()
        assert seen == [DashboardState.DETECTED, DashboardState.DASHBOARD_READY, DashboardState.PREVIEW_READY]
        assert len(sim.messages_in(CHANNEL)) == 1, "the row reached `posted` by posting its message once"
        sim.assert_no_violations()


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
