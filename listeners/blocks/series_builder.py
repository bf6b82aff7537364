"""Answers about series: the table moved to another series, the muted series, one resumed."""

from __future__ import annotations

from core.series_mutes import MutedSeries
from listeners.blocks.common import Block, code, esc, section


def series_chosen_text(table: str, kinds: list[str], series: str) -> str:
    where = ", ".join(esc(k) for k in kinds)
    return (
        f"{code(table)} ({where}) now belongs to series {code(series)}: its next notifications compare it with "
        "that series' runs."
    )


def series_chosen_blocks(table: str, kinds: list[str], series: str) -> list[Block]:
    return [section(series_chosen_text(table, kinds, series))]


def mutes_text(mutes: list[MutedSeries], command: str) -> str:
    if not mutes:
        return "You have no muted series: every new run is posted."
    lines = [f"• {code(m.series)} ({esc(m.kind)}), muted {m.muted_at:%Y-%m-%d %H:%M} UTC" for m in mutes[:50]]
    return (
        f"Your muted series ({len(mutes)}): their new runs are not posted.\n"
        + "\n".join(lines)
        + f"\nResume one with {code(command + ' unmute <series>')}."
    )


def mutes_blocks(mutes: list[MutedSeries], command: str) -> list[Block]:
    return [section(mutes_text(mutes, command))]


def unmuted_text(series: str, kinds: list[str]) -> str:
    return f"Unmuted series {code(series)} ({', '.join(esc(k) for k in kinds)}): its next runs are posted again."
