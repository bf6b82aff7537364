"""A live checklist of the steps of a slow job (registration, deletion)."""

from __future__ import annotations

from core.registration import Progress, StepState
from listeners.blocks.common import Block, esc, section

ICONS = {
    StepState.PENDING: ":white_circle:",
    StepState.RUNNING: ":hourglass_flowing_sand:",
    StepState.DONE: ":white_check_mark:",
    StepState.FAILED: ":x:",
}


def progress_lines(progress: Progress) -> str:
    lines = []
    for step in progress.steps:
        suffix = "…" if step.state is StepState.RUNNING else ""
        note = f" — {esc(step.note)}" if step.note else ""  # a note may quote an error from a server
        lines.append(f"{ICONS[step.state]} {esc(step.label)}{suffix}{note}")
    return "\n".join(lines)


def progress_blocks(title: str, progress: Progress) -> list[Block]:
    """`title` is mrkdwn from a title builder (e.g. account_builder.deletion_title), not user text."""
    return [section(f"*{title}*"), section(progress_lines(progress))]


def failure_blocks(title: str, progress: Progress | None, message: str) -> list[Block]:
    blocks = [section(f"*{title}*")]
    if progress is not None:
        blocks.append(section(progress_lines(progress)))
    blocks.append(section(f":x: {esc(message)}"))
    return blocks
