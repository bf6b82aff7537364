"""`/eda status`: the doctor checks and the pipeline queue, in one message."""

from __future__ import annotations

from core.doctor import Check
from listeners.blocks.common import Block, context, header, line_sections


def status_blocks(checks: list[Check], queue: dict[str, int]) -> list[Block]:
    failed = [c for c in checks if not c.ok]
    blocks: list[Block] = [header("edabot status: " + ("all good" if not failed else f"{len(failed)} problem(s)"))]
    lines = []
    for c in checks[:60]:
        line = f"{':white_check_mark:' if c.ok else ':x:'} *{c.name}* — {c.detail[:300]}"
        if not c.ok and c.fix:
            line += f"\n      _fix:_ {c.fix}"
        lines.append(line)
    blocks += line_sections(lines)
    depth = ", ".join(f"{state}: {count}" for state, count in sorted(queue.items())) or "empty"
    blocks.append(context(f"Dashboards by state: {depth}"))
    return blocks[:50]
