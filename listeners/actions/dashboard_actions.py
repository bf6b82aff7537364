"""Buttons on a dashboard message: Refresh preview, Mute, and Unmute (offered after muting)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from core.authz import require_self_or_admin
from core.errors import EdabotError
from core.pipeline import actions
from listeners.blocks.notification_builder import mute_blocks, mute_text
from listeners.reply import dm_error_reporter, ephemeral_to_user
from listeners.services import Services


def _target(body: dict[str, Any]) -> tuple[str, str | None, int]:
    action = body["actions"][0]
    return body["user"]["id"], (body.get("channel") or {}).get("id"), int(action.get("value") or 0)


def _authorize(services: Services, user_id: str, dashboard_id: int, what: str) -> None:
    owner = actions.owner_of(services.core, dashboard_id)
    if owner is None:
        raise EdabotError("That dashboard no longer exists.")
    require_self_or_admin(services.actor(user_id), owner, what)


def refresh_preview(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    services: Services = context["services"]
    user_id, channel_id, dashboard_id = _target(body)

    def job() -> None:
        _authorize(services, user_id, dashboard_id, "refresh previews")
        if services.pipeline is None:
            raise EdabotError("The dashboard pipeline is not running in this process.")
        actions.refresh_preview(services.core, services.pipeline, dashboard_id)

    services.work.submit("refreshing the preview", job, dm_error_reporter(client, user_id, channel_id))


def _set_muted(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, muted: bool) -> None:
    ack()
    services: Services = context["services"]
    user_id, channel_id, dashboard_id = _target(body)

    def job() -> None:
        _authorize(services, user_id, dashboard_id, "mute or unmute dashboards")
        table = actions.set_muted(services.core, dashboard_id, muted)
        text, blocks = mute_text(table, muted=muted), mute_blocks(table, dashboard_id, muted=muted)
        ephemeral_to_user(client, user_id, channel_id, text=text, blocks=blocks)

    services.work.submit("changing notifications", job, dm_error_reporter(client, user_id, channel_id))


def mute(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    _set_muted(ack, body, client, context, True)


def unmute(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    _set_muted(ack, body, client, context, False)
