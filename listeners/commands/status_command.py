"""`/eda status`: the caller's own databases, datasources, channel and queue; admins also get `edabot doctor`."""

from __future__ import annotations

from bot.doctor import run_checks, run_own_checks
from core.doctor import Check, queue_depth
from listeners.blocks.status_builder import not_registered_status_blocks, status_blocks, status_text
from listeners.commands.request import CommandRequest


def show_status(req: CommandRequest) -> None:
    def job() -> None:
        actor = req.actor()
        core = req.services.core
        if actor.username is None and not actor.is_admin:
            req.answer("edabot status", not_registered_status_blocks(req.command))
            return
        own: list[Check] = []
        own_queue: dict[str, int] = {}
        if actor.username is not None:
            own = run_own_checks(core, req.client, actor.username)
            own_queue = queue_depth(core, username=actor.username)
        # The server-wide checks name every user, their channels and the server's version: admins only.
        server = run_checks(req.services.settings, core, req.client) if actor.is_admin else None
        server_queue = queue_depth(core) if actor.is_admin else None
        blocks = status_blocks(own, own_queue, server=server, server_queue=server_queue)
        req.answer(status_text([*own, *(server or [])]), blocks)

    req.in_background("checking edabot's status", job)
