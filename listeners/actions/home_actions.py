"""Buttons on the App Home tab."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from core.errors import InvalidInput
from core.usecases import apikeys
from core.usecases import series as series_usecase
from listeners.blocks.account_builder import api_key_blocks
from listeners.blocks.creds_builder import loading_modal
from listeners.creds_view import publish_home, refresh_creds_modal
from listeners.reply import dm_error_reporter, ephemeral_to_user
from listeners.services import Services


def open_creds_from_home(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    services: Services = context["services"]
    user_id = body["user"]["id"]
    view_id = str(
        client.views_open(trigger_id=body["trigger_id"], view=loading_modal("Your credentials"))["view"]["id"]
    )
    services.work.submit(
        "opening your credentials",
        lambda: refresh_creds_modal(services, client, view_id=view_id, user_id=user_id, channel_id=None),
        dm_error_reporter(client, user_id, None),
    )


def rotate_key_from_home(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    services: Services = context["services"]
    user_id = body["user"]["id"]

    def job() -> None:
        rotated = apikeys.rotate(ctx=services.core, actor=services.actor(user_id))
        ephemeral_to_user(
            client,
            user_id,
            None,
            text="Your new API key",
            blocks=api_key_blocks(services.command, rotated.username, rotated.key.reveal()),
        )
        publish_home(services, client, user_id)

    services.work.submit("rotating your API key", job, dm_error_reporter(client, user_id, None))


def refresh_home(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    services: Services = context["services"]
    user_id = body["user"]["id"]
    services.work.submit(
        "refreshing your home tab",
        lambda: publish_home(services, client, user_id),
        dm_error_reporter(client, user_id, None),
    )


def _series_toggle(value: object) -> tuple[str, str, bool]:
    """(kind, series, mute) from a Mute/Unmute button's value (home_builder.series_toggle_value). Slack returns
    the value we wrote, but a payload can be crafted: anything else is refused, and any extra field (a user
    name, say) is ignored, since the toggle only ever acts on the presser's own series."""
    try:
        data = json.loads(str(value))
    except ValueError:
        data = None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("kind"), str)
        or not isinstance(data.get("series"), str)
        or not isinstance(data.get("mute"), bool)
    ):
        raise InvalidInput("That button is out of date: open the Home tab again.")
    return data["kind"], data["series"], data["mute"]


def toggle_series_mute(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    services: Services = context["services"]
    user_id = body["user"]["id"]
    value = body["actions"][0].get("value")

    def job() -> None:
        kind, series, mute = _series_toggle(value)
        series_usecase.set_series_muted(
            ctx=services.core, actor=services.actor(user_id), kind=kind, series=series, muted=mute
        )
        publish_home(services, client, user_id)

    services.work.submit("changing the series' notifications", job, dm_error_reporter(client, user_id, None))
