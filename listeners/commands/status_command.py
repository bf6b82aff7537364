"""`/eda status`: the caller's own databases, datasources, channel and queue; admins also get `edabot doctor`."""

from __future__ import annotations

from core.usecases.status import status
from listeners.blocks.status_builder import not_registered_status_blocks, status_blocks, status_text
from listeners.commands.request import CommandRequest
from listeners.slack_probe import WebClientProbe, required_scopes


def show_status(req: CommandRequest) -> None:
    def job() -> None:
        found = status(
            ctx=req.services.core,
            actor=req.actor(),
            slack=WebClientProbe(req.client),
            required_scopes=required_scopes(),
            global_channel=req.services.settings.slack_channel_id,
        )
        if found is None:
            req.answer("edabot status", not_registered_status_blocks(req.command))
            return
        blocks = status_blocks(found.own, found.own_queue, server=found.server, server_queue=found.server_queue)
        req.answer(status_text([*found.own, *(found.server or [])]), blocks)

    req.in_background("checking edabot's status", job)
