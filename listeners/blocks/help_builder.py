"""Usage text, with the caller's own state."""

from __future__ import annotations

from listeners.blocks.common import Block, code, context, esc, section

COMMANDS = [
    ("help", "this message"),
    ("register [username]", "create your account, databases and API key"),
    ("creds", "list and manage your stored credentials"),
    ("creds set KEY", "set one credential (the value is typed in a dialog, never in a message)"),
    ("apikey", "rotate your API key; the new key is shown once"),
    ("dashboards", "your dashboards, their state and links"),
    ("scan", "scan your databases for new tables now"),
    ("status", "your databases, datasources, channel and queue"),
    ("user show [username]", "account details"),
]
ADMIN_COMMANDS = [
    ("user create <username> <@user>", "register another Slack user"),
    ("user list", "all users with state and dashboard counts"),
    ("user delete <username>", "remove a user (asks whether to keep their databases)"),
]


def help_blocks(command: str, *, problem: str | None, username: str | None, is_admin: bool) -> list[Block]:
    blocks: list[Block] = []
    if problem:
        # The problem quotes what the user typed; its backticks are the parser's, its words the user's.
        blocks.append(section(f":warning: {esc(problem)}"))
    if username:
        state = f"You are registered as {code(username)}" + (" (admin)." if is_admin else ".")
    else:
        state = f"You are not registered yet: start with {code(command + ' register <username>')}."
    blocks.append(section(state))
    lines = [f"{code(f'{command} {usage}')} — {what}" for usage, what in COMMANDS]
    blocks.append(section("*Commands*\n" + "\n".join(lines)))
    if is_admin:
        lines = [f"{code(f'{command} {usage}')} — {what}" for usage, what in ADMIN_COMMANDS]
        blocks.append(section("*Admin commands*\n" + "\n".join(lines)))
    blocks.append(context("Usernames: 3–31 characters, a–z, 0–9 and _, starting with a letter."))
    return blocks


def help_text(problem: str | None) -> str:
    return esc(problem) if problem else "edabot help"
