"""Canary values for every kind of secret edabot handles never appear in its log, in Slack or Grafana
traffic other than their intended destination, or in any text shown to a user."""

from __future__ import annotations

import json
import re

import pytest

from listeners.ids import ActionId, BlockId, CallbackId
from tests.e2e.conftest import CHANNEL_ID, BotProcess
from tests.e2e.test_pipeline_e2e import _configure, _create_timing_table, _dashboard_messages, _register, grafana
from tests.fakes.grafana import GrafanaFake
from tests.slack_views import select_overflow, wait_for_view

pytestmark = [pytest.mark.e2e, pytest.mark.db]
__all__ = ["grafana"]
USER = "U0HYGIENE"
GRAFANA_CANARY = "glsa_CANARYgrafanaUserToken_7d1e0b"
CUSTOM_CANARY = "CANARY-custom-secret-5c2a91f0"


def _set_credential(bot: BotProcess, key: str, value: str) -> None:
    bot.sim.send_slash_command(USER, f"creds set {key}", channel_id=CHANNEL_ID).wait_ack(timeout=3)
    form = wait_for_view(bot.sim, USER, CallbackId.CREDS_SET, timeout=10)
    bot.sim.submit_view(USER, form["id"], {BlockId.CREDS_VALUE: {ActionId.CREDS_VALUE_INPUT: value}}).wait_ack(3)
    bot.sim.wait_for(lambda: [e for e in bot.sim.ephemerals_for(USER) if key in e["text"]], 15)


def _read_secret(bot: BotProcess, key: str) -> str:
    bot.sim.send_slash_command(USER, "creds", channel_id=CHANNEL_ID).wait_ack(timeout=3)
    view = wait_for_view(bot.sim, USER, CallbackId.CREDS_LIST, contains=key, timeout=15)
    select_overflow(bot.sim, USER, ActionId.CREDS_ROW_MENU, f"reveal:{key}", view=view).wait_ack(timeout=3)
    shown = bot.sim.wait_for(lambda: [e for e in bot.sim.ephemerals_for(USER) if f"{key} (only you" in e["text"]], 15)
    return shown[-1]["text"].rsplit(": ", 1)[1]


def test_no_secret_leaks_anywhere(bot: BotProcess, grafana: GrafanaFake) -> None:
    _configure(bot, grafana)
    grafana.add_token(GRAFANA_CANARY, role="Editor", name="user token")
    bot.start()
    _register(bot, USER, "hygiene")
    registration = next(m for url, posts in bot.sim.responses.items() for m in posts if "Welcome" in json.dumps(m))
    api_key = re.search(r"eda_[A-Za-z0-9_-]{40,}", json.dumps(registration)).group(0)
    _set_credential(bot, "GRAFANA_API_KEY", GRAFANA_CANARY)
    _set_credential(bot, "MY_SECRET", CUSTOM_CANARY)
    db_password = _read_secret(bot, "DB_PASSWORD")
    reader_password = _read_secret(bot, "GRAFANA_DB_PASSWORD")
    _create_timing_table(bot, "hygiene", "sta_hygiene", [0.5, -0.25])
    bot.sim.wait_for(lambda: _dashboard_messages(bot), 120, what="the dashboard message")
    # The user's own Grafana token was used for their dashboard, as SPEC says.
    assert any(r.token_name == "user token" for r in grafana.requests_to("POST", "/api/dashboards/db"))
    # A bad input echoes nothing: a value typed where a key name goes.
    bot.sim.send_slash_command(USER, f"creds set MY_SECRET {CUSTOM_CANARY}", channel_id=CHANNEL_ID).wait_ack(3)
    assert bot.stop() == 0

    secrets = {
        "grafana user token": GRAFANA_CANARY,
        "custom": CUSTOM_CANARY,
        "db password": db_password,
        "reader password": reader_password,
        "api key": api_key,
        "bot token": bot.sim.bot_token,
        "app token": bot.sim.app_token,
        "grafana service token": grafana.token,
        "credentials key": bot.env["CREDENTIALS_KEY"],
    }
    logs = bot.log_file.read_text(errors="replace") + bot.output()
    for name, value in secrets.items():
        assert value not in logs, f"{name} in the log"

    # Slack: only the reveal ephemerals (to their owner) and the registration answer carry secrets.
    intended = {"chat.postEphemeral"}
    for request in bot.sim.requests:
        body = request.raw_body.decode("utf-8", errors="replace")
        shown_to_owner = request.method in intended and "(only you can see this)" in body
        is_registration_answer = request.method == "<response_url>" and "Welcome" in body
        for name, value in secrets.items():
            if value in body and not (shown_to_owner or (is_registration_answer and name == "api key")):
                pytest.fail(f"{name} sent to Slack in {request.method}")
        assert bot.sim.bot_token not in json.dumps(request.args)

    # Grafana: the reader's password goes into its datasources (secureJsonData); nothing else goes there.
    for request in grafana.requests:
        body = json.dumps(request.body) if request.body is not None else ""
        for name, value in secrets.items():
            if name == "reader password" and request.path.startswith("/api/datasources"):
                continue
            assert value not in body, f"{name} sent to Grafana {request.method} {request.path}"
    for message in bot.sim.messages_in(CHANNEL_ID):
        for name, value in secrets.items():
            assert value not in json.dumps(message), f"{name} posted to the channel"
