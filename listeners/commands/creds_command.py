"""`/eda creds` (the list modal), `/eda creds set KEY` (one value) and `/eda apikey`."""

from __future__ import annotations

from core import validation
from core.errors import EdabotError
from core.usecases import apikeys
from listeners.blocks.account_builder import api_key_blocks, error_blocks
from listeners.blocks.creds_builder import loading_modal, message_modal, set_credential_modal
from listeners.commands.request import CommandRequest
from listeners.creds_view import refresh_creds_modal
from listeners.reply import error_reporter


def open_creds(req: CommandRequest) -> None:
    opened = req.client.views_open(trigger_id=req.trigger_id, view=loading_modal("Your credentials"))
    view_id = str(opened["view"]["id"])

    def job() -> None:
        try:
            refresh_creds_modal(
                req.services, req.client, view_id=view_id, user_id=req.user_id, channel_id=req.channel_id
            )
        except EdabotError as exc:
            req.client.views_update(view_id=view_id, view=message_modal("Your credentials", f":warning: {exc}"))
            raise

    req.services.work.submit("opening your credentials", job, error_reporter(req.reply))


def set_one(req: CommandRequest) -> None:
    try:
        key = validation.key_name(req.args[0])
    except EdabotError as exc:
        req.answer(str(exc), error_blocks(str(exc)))
        return
    # Registration is checked when the form is submitted; opening it needs no database round trip.
    req.client.views_open(trigger_id=req.trigger_id, view=set_credential_modal(key, channel_id=req.channel_id))


def rotate_api_key(req: CommandRequest) -> None:
    def job() -> None:
        rotated = apikeys.rotate(ctx=req.services.core, actor=req.actor())
        req.answer("Your new API key", api_key_blocks(req.command, rotated.username, rotated.key.reveal()))

    req.in_background("rotating your API key", job)
