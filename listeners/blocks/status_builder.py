"""`/eda status`: the caller's own checks and queue; for admins also the server-wide doctor checks."""

from __future__ import annotations

from core.doctor import Check
from listeners.blocks.common import Block, code, context, divider, esc, header, line_sections, section

MAX_CHECKS = 60


def _check_lines(checks: list[Check]) -> list[str]:
    lines = []
    for c in checks[:MAX_CHECKS]:
        # Details quote servers, channel names and error texts: all shown, none acted on.
        line = f"{':white_check_mark:' if c.ok else ':x:'} *{esc(c.name)}* — {esc(c.detail[:300])}"
        if not c.ok and c.fix:
            line += f"\n      _fix:_ {esc(c.fix)}"
        lines.append(line)
    return lines


def _depth(queue: dict[str, int]) -> str:
    return ", ".join(f"{esc(state)}: {count}" for state, count in sorted(queue.items())) or "empty"


def status_text(checks: list[Check]) -> str:
    failed = sum(not c.ok for c in checks)
    return "edabot status: " + ("all good" if not failed else f"{failed} problem(s)")


def status_blocks(
    checks: list[Check],
    queue: dict[str, int],
    *,
    server: list[Check] | None = None,
    server_queue: dict[str, int] | None = None,
) -> list[Block]:
    """`checks` and `queue` are the caller's own; `server` and `server_queue` are for admins only."""
    blocks: list[Block] = [header(status_text([*checks, *(server or [])]))]
    if checks:  # an admin who is not registered has no checks of their own
        blocks += line_sections(_check_lines(checks))
        blocks.append(context(f"Your dashboards by state: {_depth(queue)}"))
    if server is not None:
        blocks += [divider(), section("*Server-wide checks* (admins only)"), *line_sections(_check_lines(server))]
        blocks.append(context(f"All dashboards by state: {_depth(server_queue or {})}"))
    return blocks[:50]


def not_registered_status_blocks(command: str) -> list[Block]:
    """A stranger has nothing of their own to check, and the server's state is not theirs to see."""
    return [
        header("edabot status"),
        section(
            "You are not registered, so there is nothing of yours to check yet. "
            f"Start with {code(command + ' register <username>')}."
        ),
    ]
