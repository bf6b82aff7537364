"""Submission of the set-a-credential form: validate in the modal, then store encrypted."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.services import Services
from core import credentials, users, validation
from core.authz import require_registered
from core.errors import InvalidInput
from core.secret import mask
from listeners.blocks.creds_builder import read_metadata, saved_notice
from listeners.creds_view import publish_home, refresh_creds_modal
from listeners.ids import ActionId, BlockId
from listeners.reply import dm_error_reporter, ephemeral_to_user


def _input(view: dict[str, Any], block: str, action: str) -> str | None:
    state = view.get("state", {}).get("values", {})
    value = state.get(block, {}).get(action, {}).get("value")
    return value if isinstance(value, str) else None


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
    if errors:
        ack(response_action="errors", errors=errors)  # shown under the fields; nothing was saved
        return
    ack()
    services: Services = context["services"]
    user_id = body["user"]["id"]
    channel_id = meta.get("channel_id")
    parent_id = view.get("root_view_id") if view.get("root_view_id") != view.get("id") else None

    def job() -> None:
        username = require_registered(services.actor(user_id))
        with services.core.db.session() as session:
            created = credentials.store(
                session, services.core.cipher, users.require(session, username), key_name, raw_value, actor=user_id
            )
        notice = saved_notice(key_name, created=created, masked=mask(raw_value or ""))
        if parent_id:
            refresh_creds_modal(
                services, client, view_id=parent_id, user_id=user_id, channel_id=channel_id, notice=notice
            )
        else:
            ephemeral_to_user(client, user_id, channel_id, text=notice)
        publish_home(services, client, user_id)

    services.work.submit("saving your credential", job, dm_error_reporter(client, user_id, channel_id))
