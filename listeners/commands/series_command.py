"""`/eda series <table> <name>`: put one of the caller's tables in another series."""

from __future__ import annotations

from core.usecases import series
from listeners.blocks.series_builder import series_chosen_blocks, series_chosen_text
from listeners.commands.request import CommandRequest


def choose_series(req: CommandRequest) -> None:
    table, name = req.args[0], req.args[1]

    def job() -> None:
        change = series.choose_series(ctx=req.services.core, actor=req.actor(), table=table, name=name)
        kinds = list(change.kinds)
        req.answer(
            series_chosen_text(change.table, kinds, change.series),
            series_chosen_blocks(change.table, kinds, change.series),
        )

    req.in_background("moving the table to another series", job)
