"""The "Process them now" button on the summary of tables held back by the hourly quota."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from core.usecases import deferrals
from listeners.blocks.common import section
from listeners.blocks.deferral_builder import deferred_released_text
from listeners.reply import dm_error_reporter, ephemeral_to_user
from listeners.services import Services


def process_deferred(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    services: Services = context["services"]
    user_id = body["user"]["id"]
    channel_id = (body.get("channel") or {}).get("id")
    notice_id = int(body["actions"][0].get("value") or 0)

    def job() -> None:
        admitted = deferrals.process_deferred(ctx=services.core, actor=services.actor(user_id), notice_id=notice_id)
        text = deferred_released_text(count=admitted.count, database=admitted.database)
        ephemeral_to_user(client, user_id, channel_id, text=text, blocks=[section(text)])

    services.work.submit("processing deferred tables", job, dm_error_reporter(client, user_id, channel_id))
