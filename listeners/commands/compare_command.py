"""`/eda compare [A] [B]`: two of the caller's runs side by side."""

from __future__ import annotations

from core.usecases import compare
from listeners.blocks.compare_builder import compare_blocks, compare_text
from listeners.commands.request import CommandRequest


def compare_runs(req: CommandRequest) -> None:
    a = req.args[0] if len(req.args) > 0 else None
    b = req.args[1] if len(req.args) > 1 else None

    def job() -> None:
        result = compare.compare_runs(req.services.core, req.actor(), a, b)
        req.answer(compare_text(result), compare_blocks(result))

    req.in_background("comparing the runs", job)
