"""Buttons on a dashboard message: Refresh preview, Mute (its series), and Unmute (offered after muting)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from core.usecases import dashboards
from listeners.blocks.notification_builder import mute_blocks, mute_text
from listeners.reply import dm_error_reporter, ephemeral_to_user
from listeners.services import Services


def _target(body: dict[str, Any]) -> tuple[str, str | None, int]:
    action = body["actions"][0]
    return body["user"]["id"], (body.get("channel") or {}).get("id"), int(action.get("value") or 0)


def refresh_preview(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    services: Services = context["services"]
    user_id, channel_id, dashboard_id = _target(body)

    def job() -> None:
        dashboards.refresh_preview(
            ctx=services.core, ports=services.pipeline, actor=services.actor(user_id), dashboard_id=dashboard_id
        )

    services.work.submit("refreshing the preview", job, dm_error_reporter(client, user_id, channel_id))


def _set_muted(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, muted: bool) -> None:
    ack()
    services: Services = context["services"]
    user_id, channel_id, dashboard_id = _target(body)

    def job() -> None:
        table, series = dashboards.set_muted(
            ctx=services.core, actor=services.actor(user_id), dashboard_id=dashboard_id, muted=muted
        )
        text = mute_text(table, series, muted=muted)
        blocks = mute_blocks(table, series, dashboard_id, muted=muted)
        ephemeral_to_user(client, user_id, channel_id, text=text, blocks=blocks)

    services.work.submit("changing notifications", job, dm_error_reporter(client, user_id, channel_id))


def mute(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    _set_muted(ack, body, client, context, True)


def unmute(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    _set_muted(ack, body, client, context, False)
