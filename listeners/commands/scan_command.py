"""`/eda scan`: scan the caller's databases now and say what was found."""

from __future__ import annotations

from core.usecases import dashboards
from listeners.blocks.scan_builder import scan_result_blocks, scan_result_text
from listeners.commands.request import CommandRequest


def scan_now(req: CommandRequest) -> None:
    def job() -> None:
        report = dashboards.scan_now(ctx=req.services.core, ports=req.services.pipeline, actor=req.actor())
        req.answer(scan_result_text(report), scan_result_blocks(report))

    req.in_background("scanning your databases", job)
