"""Answers about series: the table moved to another series."""

from __future__ import annotations

from listeners.blocks.common import Block, code, esc, section


def series_chosen_text(table: str, kinds: list[str], series: str) -> str:
    where = ", ".join(esc(k) for k in kinds)
    return (
        f"{code(table)} ({where}) now belongs to series {code(series)}: its next notifications compare it with "
        "that series' runs."
    )


def series_chosen_blocks(table: str, kinds: list[str], series: str) -> list[Block]:
    return [section(series_chosen_text(table, kinds, series))]
