"""Submission of the set-a-credential form: validate in the modal, then store encrypted."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from core import credentials, validation
from core.channels import NOTIFY_CHANNEL_KEY, ChannelPolicy, require_member_channel
from core.errors import EdabotError, InvalidInput
from core.secret import mask
from core.usecases import credentials as credential_usecases
from listeners.blocks.creds_builder import read_metadata, saved_notice
from listeners.channel_directory import CheckTooSlow, SlackChannelDirectory
from listeners.creds_view import publish_home, refresh_creds_modal
from listeners.ids import ActionId, BlockId
from listeners.reply import dm_error_reporter, ephemeral_to_user
from listeners.services import Services

# Slack waits 3 s for the ack that carries field errors; the rest is for the database and the network.
ACK_BUDGET_S = 2.0


def _input(view: dict[str, Any], block: str, action: str) -> str | None:
    state = view.get("state", {}).get("values", {})
    value = state.get(block, {}).get(action, {}).get("value")
    return value if isinstance(value, str) else None


def _channel_problem(directory: SlackChannelDirectory, by_admin: bool, user_id: str, channel_id: str) -> str | None:
    """Why this channel cannot be the submitter's notification channel, in time for the modal's field error;
    None when it can, or when Slack was too slow to tell within the ack window (the save checks again)."""
    quick = ChannelPolicy(directory.bounded(ACK_BUDGET_S), by_admin=by_admin)
    try:
        require_member_channel(quick, owner_slack_id=user_id, channel_id=channel_id)
    except CheckTooSlow:  # an Unavailable too: caught first, since here it means "decide at save time"
        return None
    except EdabotError as exc:
        return str(exc)
    return None


def submit_credential(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    meta = read_metadata(view.get("private_metadata"))
    key_block = BlockId.CREDS_KEY if meta.get("key_name") is None else None
    raw_key = meta.get("key_name") or _input(view, BlockId.CREDS_KEY, ActionId.CREDS_KEY_INPUT) or ""
    raw_value = _input(view, BlockId.CREDS_VALUE, ActionId.CREDS_VALUE_INPUT)
    errors: dict[str, str] = {}
    key_name = ""
    try:
        key_name = validation.key_name(raw_key)
        if key_name in credentials.MANAGED_KEYS:
            raise InvalidInput(f"{key_name} is managed by edabot and cannot be changed here.")
    except InvalidInput as exc:
        errors[key_block or BlockId.CREDS_VALUE] = str(exc)
    if not errors:
        try:
            validation.secret_value(key_name, raw_value)
        except InvalidInput as exc:
            errors[BlockId.CREDS_VALUE] = str(exc)
    services: Services = context["services"]
    user_id = body["user"]["id"]
    directory: SlackChannelDirectory | None = None
    if not errors and key_name == NOTIFY_CHANNEL_KEY:
        directory = SlackChannelDirectory(client)
        by_admin = services.actor(user_id).is_admin
        problem = _channel_problem(directory, by_admin, user_id, (raw_value or "").strip())
        if problem is not None:
            errors[BlockId.CREDS_VALUE] = problem
    if errors:
        ack(response_action="errors", errors=errors)  # shown under the fields; nothing was saved
        return
    ack()
    channel_id = meta.get("channel_id")
    parent_id = view.get("root_view_id") if view.get("root_view_id") != view.get("id") else None

    def job() -> None:
        stored = credential_usecases.set_value(
            ctx=services.core,
            actor=services.actor(user_id),
            key_name=key_name,
            value=raw_value,
            channel_directory=directory,  # checked again here: the check above may have run out of time
        )
        notice = saved_notice(key_name, created=stored.created, masked=mask(raw_value or ""))
        if parent_id:
            refresh_creds_modal(
                services, client, view_id=parent_id, user_id=user_id, channel_id=channel_id, notice=notice
            )
        else:
            ephemeral_to_user(client, user_id, channel_id, text=notice)
        publish_home(services, client, user_id)

    services.work.submit("saving your credential", job, dm_error_reporter(client, user_id, channel_id))
