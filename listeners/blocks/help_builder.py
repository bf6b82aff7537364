"""Usage text, with the caller's own state."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from listeners.blocks.common import Block, code, context, esc, section


class HelpRow(Protocol):
    """A row of the command table (listeners.commands.table.Command), as help shows it."""

    @property
    def usage(self) -> str: ...

    @property
    def help(self) -> str: ...

    @property
    def admin_only(self) -> bool: ...


def help_blocks(
    command: str, *, commands: Sequence[HelpRow], problem: str | None, username: str | None, is_admin: bool
) -> list[Block]:
    blocks: list[Block] = []
    if problem:
        # The problem quotes what the user typed; its backticks are the parser's, its words the user's.
        blocks.append(section(f":warning: {esc(problem)}"))
    if username:
        state = f"You are registered as {code(username)}" + (" (admin)." if is_admin else ".")
    else:
        state = f"You are not registered yet: start with {code(command + ' register <username>')}."
    blocks.append(section(state))
    lines = [f"{code(f'{command} {c.usage}')} — {c.help}" for c in commands if not c.admin_only]
    blocks.append(section("*Commands*\n" + "\n".join(lines)))
    if is_admin:
        lines = [f"{code(f'{command} {c.usage}')} — {c.help}" for c in commands if c.admin_only]
        blocks.append(section("*Admin commands*\n" + "\n".join(lines)))
    blocks.append(context("Usernames: 3–31 characters, a–z, 0–9 and _, starting with a letter."))
    return blocks


def help_text(problem: str | None) -> str:
    return esc(problem) if problem else "edabot help"
