"""Submission of the delete-user confirmation: delete in the background, progress in the admin's DM."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from core.registration import Progress
from core.usecases import accounts
from listeners.blocks.account_builder import deleted_blocks, deleted_text, deletion_title
from listeners.blocks.creds_builder import read_metadata
from listeners.blocks.progress_builder import progress_blocks
from listeners.ids import ActionId, BlockId, DeleteDataChoice
from listeners.reply import DirectMessageReply, error_reporter
from listeners.services import Services


def submit_user_delete(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    username = str(read_metadata(view.get("private_metadata")).get("username") or "")
    choice = (
        view.get("state", {})
        .get("values", {})
        .get(BlockId.USER_DELETE_DATA, {})
        .get(ActionId.USER_DELETE_DATA_CHOICE, {})
        .get("selected_option")
        or {}
    ).get("value")
    if choice not in (DeleteDataChoice.KEEP, DeleteDataChoice.DROP):
        ack(response_action="errors", errors={BlockId.USER_DELETE_DATA: "Choose whether to keep the databases."})
        return
    ack()
    services: Services = context["services"]
    user_id = body["user"]["id"]
    reply = DirectMessageReply(client, user_id)
    title = deletion_title(username)

    def on_progress(progress: Progress) -> None:
        reply(text=title, blocks=progress_blocks(title, progress), replace=True)

    def job() -> None:
        accounts.delete(
            ctx=services.core,
            actor=services.actor(user_id),
            username=username,
            drop_data=choice == DeleteDataChoice.DROP,
            on_progress=on_progress,
        )
        reply(text=deleted_text(username), blocks=deleted_blocks(username), replace=True)

    services.work.submit(f"deleting {username}", job, error_reporter(reply))
