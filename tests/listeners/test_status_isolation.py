"""`/eda status` shows each person only their own part; the server-wide checks are for admins.

Two registered users with channels of their own, a stranger and an admin each send `/eda status` to the
real Bolt app; the assertions are on everything the Slack simulator received for that command.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from cryptography.fernet import Fernet

from bot.app import build_app
from bot.config import load_settings
from bot.work import BackgroundWork
from core import users
from core.context import CoreContext
from core.db.models import Credential
from core.grafana.client import GrafanaClient
from core.grafana.steps import GrafanaProvisioner
from listeners.services import Services
from tests.fakes.grafana import GrafanaFake
from tests.fakes.slack import SlackSimulator
from tests.listeners.conftest import ADMIN_ID, Harness

pytestmark = pytest.mark.db
ALICE, BOB, STRANGER = "U0ALICE01", "U0BOB0001", "U0STRANGE"
TEAM_CHANNEL = "C0EDA0001"
CHANNELS = {ALICE: ("C0ALICECH", "alice-results"), BOB: ("C0BOBCHAN", "bob-results")}


@dataclass
class World:
    harness: Harness
    grafana: GrafanaFake
    names: dict[str, str]  # Slack user id -> username
    server_version: str

    def status(self, user_id: str) -> str:
        """Everything Slack received while answering this user's `/eda status`."""
        sim = self.harness.sim
        first = len(sim.requests)
        self.harness.command(user_id, "status", timeout=30)
        return "\n".join(r.raw_body.decode("utf-8", errors="replace") for r in sim.requests[first:])


@pytest.fixture
def world(core_ctx: CoreContext, unique_username) -> Iterator[World]:  # type: ignore[no-untyped-def]
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    with SlackSimulator() as sim, GrafanaFake(render_delay_ms=5) as grafana:
        sim.add_user(ADMIN_ID, name="admin")
        sim.add_channel(TEAM_CHANNEL, name="eda", is_member=True)
        for channel, name in CHANNELS.values():
            sim.add_channel(channel, name=name, is_member=True)
        client = GrafanaClient(grafana.base_url, grafana.token, max_attempts=1)
        core = dataclasses.replace(core_ctx, grafana=GrafanaProvisioner(client, core_ctx.server), grafana_client=client)
        settings = load_settings(
            {
                "SLACK_BOT_TOKEN": sim.bot_token,
                "SLACK_APP_TOKEN": sim.app_token,
                "SLACK_API_URL": sim.api_url,
                "SLACK_CHANNEL_ID": TEAM_CHANNEL,
                "EDABOT_ADMINS": ADMIN_ID,
                "GRAFANA_BASE_URL": grafana.base_url,
                "GRAFANA_API_KEY": grafana.token,
                "CREDENTIALS_KEY": Fernet.generate_key().decode(),
            },
            env_file=None,
        )
        services = Services(settings=settings, core=core, work=BackgroundWork(max_workers=4))
        handler = SocketModeHandler(build_app(settings, services), sim.app_token)
        handler.connect()
        sim.wait_connected(timeout=10)
        harness = Harness(sim, services, settings)
        try:
            names = {ALICE: unique_username("alice"), BOB: unique_username("bob")}
            for user_id, name in names.items():
                sim.add_user(user_id, name=name)
                assert "Welcome" in json.dumps(harness.command(user_id, f"register {name}", timeout=60))
                with core.db.session() as session:
                    user = users.require(session, name)
                    # Stored as a row: how a channel may be chosen is not what this test is about.
                    token = core.cipher.encrypt(CHANNELS[user_id][0])
                    session.add(Credential(user_id=user.id, key_name="SLACK_CHANNEL_ID", encrypted_value=token))
            with psycopg.connect(core.server.admin_url.reveal()) as conn:
                version = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
            yield World(harness, grafana, names, version)
        finally:
            handler.close()
            services.work.shutdown(wait=True)
            client.close()
        sim.assert_no_violations()


def _assert_nothing_of_the_server(seen: str, world: World) -> None:
    assert world.server_version not in seen and "PostgreSQL version" not in seen
    assert "Grafana health" not in seen and world.grafana.state.version not in seen
    assert "Slack auth.test" not in seen and "Slack scopes" not in seen
    assert TEAM_CHANNEL not in seen, "the team channel is checked in the admins' view"


def test_a_registered_user_sees_their_own_databases_datasources_channel_and_queue_only(world: World) -> None:
    bob, alice = world.names[BOB], world.names[ALICE]
    seen = world.status(BOB)
    assert f"{bob}_timing" in seen and f"{bob}_drc" in seen, "their own databases"
    assert f"edabot-{bob}-qor" in seen, "their own datasources"
    assert CHANNELS[BOB][0] in seen and CHANNELS[BOB][1] in seen, "their own channel"
    assert "Your dashboards by state" in seen
    assert alice not in seen, "another user's username"
    assert CHANNELS[ALICE][0] not in seen and CHANNELS[ALICE][1] not in seen, "another user's channel"
    _assert_nothing_of_the_server(seen, world)
    assert "Server-wide checks" not in seen and "All dashboards by state" not in seen


def test_a_stranger_sees_nothing_of_anyone_or_of_the_server(world: World) -> None:
    seen = world.status(STRANGER)
    assert "not registered" in seen
    for name in world.names.values():
        assert name not in seen
    for channel, channel_name in CHANNELS.values():
        assert channel not in seen and channel_name not in seen
    _assert_nothing_of_the_server(seen, world)
    assert "PostgreSQL" not in seen and "datasource" not in seen


def test_an_admin_still_sees_the_server_wide_checks(world: World) -> None:
    seen = world.status(ADMIN_ID)
    assert "Server-wide checks" in seen and "All dashboards by state" in seen
    assert "PostgreSQL version" in seen and world.server_version in seen
    assert "Grafana health" in seen and "Slack auth.test" in seen
    for user_id, name in world.names.items():
        assert f"edabot-{name}-timing" in seen and f"{name}'s SLACK_CHANNEL_ID" in seen
        assert CHANNELS[user_id][0] in seen
