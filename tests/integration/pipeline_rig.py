"""Set-up shared by the integration tests that run the pipeline against the loopback Slack simulator and a
GrafanaFake: written once here, so that each test module shows only what it is about."""

from __future__ import annotations

import dataclasses

from cryptography.fernet import Fernet

from bot.app import build_web_client
from bot.config import Settings, load_settings
from bot.slack.notifier import SlackNotifier
from core.context import CoreContext
from core.grafana.client import GrafanaClient
from core.grafana.steps import GrafanaProvisioner
from core.pipeline.ports import PreviewResult
from core.secret import Secret
from tests.fakes.grafana import GrafanaFake
from tests.fakes.slack import SlackSimulator


class NoCapture:
    """The preview step without a browser: a usable preview with no image, so nothing is uploaded and the
    tests need no Chromium (they are about the rows and the messages, not the GIF)."""

    def preview(self, *, uid: str, token: Secret | None) -> PreviewResult:
        return PreviewResult(None, True, [])


def simulator_settings(sim: SlackSimulator, **extra: str) -> Settings:
    """Settings whose Web API calls all go to `sim`, plus the variables a test needs (`SLACK_CHANNEL_ID=...`).
    No .env file is read, so a developer's own settings cannot leak into a test."""
    environ = {
        "SLACK_BOT_TOKEN": sim.bot_token,
        "SLACK_API_URL": sim.api_url,
        "CREDENTIALS_KEY": Fernet.generate_key().decode(),
        **extra,
    }
    return load_settings(environ, env_file=None)


def simulator_notifier(sim: SlackSimulator, **extra: str) -> SlackNotifier:
    """The bot's own notifier (and Web API client, with its retries) talking to `sim`; `extra` as for
    simulator_settings."""
    settings = simulator_settings(sim, **extra)
    return SlackNotifier(settings, build_web_client(settings, sim.bot_token))


def with_grafana(core_ctx: CoreContext, grafana: GrafanaFake) -> tuple[CoreContext, GrafanaClient]:
    """`core_ctx` provisioning dashboards in `grafana`, with one attempt per Grafana call (these tests do not
    exercise retries). The caller closes the returned client when done."""
    client = GrafanaClient(grafana.base_url, grafana.token, max_attempts=1)
    ctx = dataclasses.replace(core_ctx, grafana=GrafanaProvisioner(client, core_ctx.server), grafana_client=client)
    return ctx, client
