"""The thread reply after a report file was dropped into a DM."""

from __future__ import annotations

from listeners.blocks.common import Block, code, context, esc, section


def ingest_reply_blocks(loaded: list[tuple[str, str, str, int]], problems: list[tuple[str, str]]) -> list[Block]:
    """`loaded`: (file, kind, table, rows); `problems`: (file, message naming the line and what was expected)."""
    blocks: list[Block] = []
    if loaded:
        lines = [f"• {code(f)} → {esc(kind)} table {code(t)} ({rows} rows)" for f, kind, t, rows in loaded[:20]]
        blocks.append(section("*Loaded*\n" + "\n".join(lines)))
        blocks.append(context("Each new table gets a dashboard and a preview in your channel shortly."))
    for name, message in problems[:10]:
        # The message quotes the file's own content (the line that could not be read).
        blocks.append(section(f":warning: {code(name)} was not loaded, nothing was kept: {esc(message)}"))
    return blocks or [section("There was no file in that message.")]


def ingest_progress_text(name: str, done: int, total: int) -> str:
    """The one message a big upload's thread shows while it loads, edited as the load moves on."""
    if total > 0 and done >= total:
        return f"Read all of {code(name)} ({total / 2**20:.1f} MB); storing it…"
    percent = 100 * done // total if total > 0 else 0
    return f":hourglass_flowing_sand: Loading {code(name)}: {percent}% ({done / 2**20:.1f} of {total / 2**20:.1f} MB)"


def ingest_reply_text(loaded: int, problems: int) -> str:
    return f"Loaded {loaded} file(s)" + (f", {problems} refused" if problems else "")
