"""`/eda status`: the same checks as `edabot doctor`, answered in Slack."""

from __future__ import annotations

from bot.doctor import run_checks
from core.doctor import queue_depth
from listeners.blocks.status_builder import status_blocks
from listeners.commands.request import CommandRequest


def show_status(req: CommandRequest) -> None:
    def job() -> None:
        checks = run_checks(req.services.settings, req.services.core, req.client)
        failed = sum(not c.ok for c in checks)
        text = "edabot status: all good" if not failed else f"edabot status: {failed} problem(s)"
        req.answer(text, status_blocks(checks, queue_depth(req.services.core)))

    req.in_background("checking edabot's status", job)
