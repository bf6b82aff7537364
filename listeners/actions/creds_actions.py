"""Buttons inside the credentials modal: add, and each row's update / delete / reveal menu."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from core.usecases import credentials
from listeners.blocks.creds_builder import (
    deleted_notice,
    read_metadata,
    revealed_blocks,
    revealed_text,
    set_credential_modal,
)
from listeners.creds_view import refresh_creds_modal
from listeners.errors import reported
from listeners.ids import CredsRowAction
from listeners.reply import dm_error_reporter, ephemeral_to_user
from listeners.services import Services


def add_credential(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    channel_id = read_metadata(body["view"].get("private_metadata")).get("channel_id")
    with reported("opening the form", dm_error_reporter(client, body["user"]["id"], channel_id)):
        client.views_push(trigger_id=body["trigger_id"], view=set_credential_modal(None, channel_id=channel_id))


def credential_row_menu(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    services: Services = context["services"]
    user_id = body["user"]["id"]
    view = body["view"]
    channel_id = read_metadata(view.get("private_metadata")).get("channel_id")
    action, _, key_name = body["actions"][0]["selected_option"]["value"].partition(":")
    if action == CredsRowAction.UPDATE:
        with reported("opening the form", dm_error_reporter(client, user_id, channel_id)):
            client.views_push(trigger_id=body["trigger_id"], view=set_credential_modal(key_name, channel_id=channel_id))
        return

    def job() -> None:
        actor = services.actor(user_id)
        if action == CredsRowAction.DELETE:
            credentials.delete(ctx=services.core, actor=actor, key_name=key_name)
            refresh_creds_modal(
                services,
                client,
                view_id=view["id"],
                user_id=user_id,
                channel_id=channel_id,
                notice=deleted_notice(key_name),
            )
        elif action == CredsRowAction.REVEAL:
            value = credentials.reveal(ctx=services.core, actor=actor, key_name=key_name)
            # The one place a stored value leaves edabot: ephemerally, to its owner only.
            shown = value.reveal()
            ephemeral_to_user(
                client,
                user_id,
                channel_id,
                text=revealed_text(key_name, shown),
                blocks=revealed_blocks(key_name, shown) or None,
            )

    services.work.submit(f"handling {action} of a credential", job, dm_error_reporter(client, user_id, channel_id))
