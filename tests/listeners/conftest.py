"""A real Bolt app in Socket Mode, in this process, against the loopback Slack simulator and a real DB."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from cryptography.fernet import Fernet

from bot.app import build_app
from bot.config import Settings, load_settings
from bot.work import BackgroundWork
from core.context import CoreContext
from listeners.services import Services
from tests.fakes.slack import SlackSimulator

ADMIN_ID = "U0ADMIN01"


@dataclass
class Harness:
    sim: SlackSimulator
    services: Services
    settings: Settings

    def command(self, user_id: str, text: str, timeout: float = 10.0) -> dict:
        """Send `/eda <text>` and return the last message posted to its response_url."""
        delivery = self.sim.send_slash_command(user_id, text)
        delivery.wait_ack(timeout=3)
        # The listener acks before it hands work off: wait for the first answer, then for all work to end.
        self.sim.wait_for(lambda: self.sim.response_messages(delivery), timeout=timeout)
        assert self.services.work.wait_idle(timeout), "background work did not finish"
        messages = self.sim.response_messages(delivery)
        assert messages, f"no answer to /eda {text}"
        return messages[-1]


@pytest.fixture
def harness(core_ctx: CoreContext) -> Iterator[Harness]:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    with SlackSimulator() as sim:
        sim.add_user(ADMIN_ID, name="admin")
        sim.add_channel("C0EDA0001", name="eda", is_member=True)
        settings = load_settings(
            {
                "SLACK_BOT_TOKEN": sim.bot_token,
                "SLACK_APP_TOKEN": sim.app_token,
                "SLACK_API_URL": sim.api_url,
                "EDABOT_ADMINS": ADMIN_ID,
                "CREDENTIALS_KEY": Fernet.generate_key().decode(),
            },
            env_file=None,
        )
        services = Services(settings=settings, core=core_ctx, work=BackgroundWork(max_workers=4))
        app = build_app(settings, services)
        handler = SocketModeHandler(app, sim.app_token)
        handler.connect()
        sim.wait_connected(timeout=10)
        try:
            yield Harness(sim, services, settings)
        finally:
            handler.close()
            services.work.shutdown(wait=True)
        sim.assert_no_violations()
