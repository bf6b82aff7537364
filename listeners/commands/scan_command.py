"""`/eda scan`: scan the caller's databases now and say what was found."""

from __future__ import annotations

from bot.scheduler import scan_and_process
from core.authz import require_registered
from core.errors import EdabotError
from listeners.blocks.scan_builder import scan_result_blocks, scan_result_text
from listeners.commands.request import CommandRequest


def scan_now(req: CommandRequest) -> None:
    def job() -> None:
        username = require_registered(req.actor())
        if req.services.pipeline is None:
            raise EdabotError("The dashboard pipeline is not running in this process.")
        report = scan_and_process(req.services.core, req.services.pipeline, only_username=username)
        req.answer(scan_result_text(report), scan_result_blocks(report))

    req.in_background("scanning your databases", job)
