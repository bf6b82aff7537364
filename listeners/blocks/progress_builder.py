"""A live checklist of the steps of a slow job (registration, deletion)."""

from __future__ import annotations

from core.registration import Progress, StepState
from listeners.blocks.common import Block, section

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
        note = f" — {step.note}" if step.note else ""
        lines.append(f"{ICONS[step.state]} {step.label}{suffix}{note}")
    return "\n".join(lines)


def progress_blocks(title: str, progress: Progress) -> list[Block]:
    return [section(f"*{title}*"), section(progress_lines(progress))]


def failure_blocks(title: str, progress: Progress | None, message: str) -> list[Block]:
    blocks = [section(f"*{title}*")]
    if progress is not None:
        blocks.append(section(progress_lines(progress)))
    blocks.append(section(f":x: {message}"))
    return blocks
