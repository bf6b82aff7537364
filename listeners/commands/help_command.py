"""`/eda help` (and empty or unknown input): usage with the caller's own state."""

from __future__ import annotations

from listeners.blocks.help_builder import help_blocks, help_text
from listeners.commands.request import CommandRequest
from listeners.commands.table import COMMANDS


def show_help(req: CommandRequest, problem: str | None = None) -> None:
    def job() -> None:
        actor = req.actor()
        blocks = help_blocks(
            req.command, commands=COMMANDS, problem=problem, username=actor.username, is_admin=actor.is_admin
        )
        req.answer(help_text(problem), blocks)

    req.in_background("showing help", job)
