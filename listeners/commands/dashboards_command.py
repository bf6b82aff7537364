"""`/eda dashboards`: the caller's dashboards with state and link."""

from __future__ import annotations

from core.usecases import dashboards
from listeners.blocks.home_builder import dashboards_blocks
from listeners.commands.request import CommandRequest


def list_dashboards(req: CommandRequest) -> None:
    def job() -> None:
        lines = dashboards.list_latest(ctx=req.services.core, actor=req.actor())
        req.answer("Your dashboards", dashboards_blocks(lines))

    req.in_background("listing your dashboards", job)
