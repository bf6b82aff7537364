"""`/eda dashboards`: the caller's dashboards with state and link; `scan` and `status` until they exist."""

from __future__ import annotations

from core import dashboards
from core.authz import require_registered
from listeners.blocks.home_builder import dashboards_blocks
from listeners.commands.request import CommandRequest


def list_dashboards(req: CommandRequest) -> None:
    def job() -> None:
        username = require_registered(req.actor())
        with req.services.core.db.session() as session:
            lines = dashboards.latest(session, username)
        req.answer("Your dashboards", dashboards_blocks(lines))

    req.in_background("listing your dashboards", job)
