"""`/eda series <table> <name>`, `/eda mute` and `/eda unmute <series>`: the caller's series."""

from __future__ import annotations

from core.usecases import series
from listeners.blocks.common import section
from listeners.blocks.series_builder import (
    mutes_blocks,
    mutes_text,
    series_chosen_blocks,
    series_chosen_text,
    unmuted_text,
)
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


def list_mutes(req: CommandRequest) -> None:
    def job() -> None:
        mutes = series.list_mutes(ctx=req.services.core, actor=req.actor())
        req.answer(mutes_text(mutes, req.command), mutes_blocks(mutes, req.command))

    req.in_background("listing your muted series", job)


def unmute(req: CommandRequest) -> None:
    name = req.args[0]

    def job() -> None:
        kinds = series.unmute(ctx=req.services.core, actor=req.actor(), series=name)
        text = unmuted_text(name, kinds)
        req.answer(text, [section(text)])

    req.in_background("resuming the series", job)
