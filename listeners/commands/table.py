"""The one table of `/eda` subcommands: name, argument grammar, who may use it, one line of help, handler.

It drives parsing (listeners.commands.parse), dispatch (eda_command), `/eda help` (help_builder, given the
rows by help_command) and the manifest's `usage_hint` (tests/unit/test_command_table.py checks that
manifest.json carries `usage_hint()`). Names follow SPEC.md's subcommand table.

Argument grammar: `<word>` is required, `[word]` optional; arguments are single words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from listeners.commands import (
    compare_command,
    creds_command,
    dashboards_command,
    register_command,
    scan_command,
    series_command,
    status_command,
    user_command,
)
from listeners.commands.request import CommandRequest


class Who(StrEnum):
    """Who may use a subcommand, as SPEC.md says it; the handler (through core.authz) enforces it."""

    ANYONE = "anyone"
    NOT_REGISTERED = "anyone not yet registered"
    REGISTERED = "registered"
    SELF_OR_ADMIN = "self, admin for others"
    ADMIN = "admin"


@dataclass(frozen=True)
class Command:
    name: str  # one word, or a group and a word ("user create")
    args: tuple[str, ...]  # e.g. ("<username>", "<@user>") or ("[username]",)
    who: Who
    help: str
    # None only for `help`, which is also what empty or unknown input gets (eda_command shows it).
    handler: Callable[[CommandRequest], None] | None
    # Extra words after the arguments are most likely a secret typed in the wrong place: never echoed.
    secret_after_args: bool = False

    @property
    def usage(self) -> str:
        return " ".join((self.name, *self.args))

    @property
    def admin_only(self) -> bool:
        return self.who is Who.ADMIN

    @property
    def min_args(self) -> int:
        return sum(1 for a in self.args if a.startswith("<"))

    @property
    def max_args(self) -> int:
        return len(self.args)


# In the order `/eda help` lists them (admin-only rows in their own section).
COMMANDS: tuple[Command, ...] = (
    Command("help", (), Who.ANYONE, "this message", None),
    Command(
        "register",
        ("[username]",),
        Who.NOT_REGISTERED,
        "create your account, databases and API key",
        register_command.register,
    ),
    Command("creds", (), Who.REGISTERED, "list and manage your stored credentials", creds_command.open_creds),
    Command(
        "creds set",
        ("<KEY>",),
        Who.REGISTERED,
        "set one credential (the value is typed in a dialog, never in a message)",
        creds_command.set_one,
        secret_after_args=True,
    ),
    Command(
        "apikey", (), Who.REGISTERED, "rotate your API key; the new key is shown once", creds_command.rotate_api_key
    ),
    Command(
        "dashboards", (), Who.REGISTERED, "your dashboards, their state and links", dashboards_command.list_dashboards
    ),
    Command("scan", (), Who.REGISTERED, "scan your databases for new tables now", scan_command.scan_now),
    Command("status", (), Who.ANYONE, "your databases, datasources, channel and queue", status_command.show_status),
    Command(
        "series",
        ("<table>", "<name>"),
        Who.REGISTERED,
        "put a table in another series than the one its name suggests",
        series_command.choose_series,
    ),
    Command(
        "compare",
        ("[A]", "[B]"),
        Who.REGISTERED,
        "two runs (tables or series) side by side; by default the latest two of your latest series",
        compare_command.compare_runs,
    ),
    Command("mute", (), Who.REGISTERED, "your muted series (the Mute button mutes one)", series_command.list_mutes),
    Command(
        "unmute", ("<series>",), Who.REGISTERED, "post the new runs of a muted series again", series_command.unmute
    ),
    Command("user show", ("[username]",), Who.SELF_OR_ADMIN, "account details", user_command.show_user),
    Command(
        "user create",
        ("<username>", "<@user>"),
        Who.ADMIN,
        "register another Slack user",
        register_command.create_for_other,
    ),
    Command("user list", (), Who.ADMIN, "all users with state and dashboard counts", user_command.list_users),
    Command(
        "user delete",
        ("<username>",),
        Who.ADMIN,
        "remove a user (asks whether to keep their databases)",
        user_command.delete_user,
    ),
)
BY_NAME: dict[str, Command] = {c.name: c for c in COMMANDS}
# Groups of two-word subcommands ("user", "creds"), each with its second words in table order.
GROUPS: dict[str, tuple[str, ...]] = {}
for _c in COMMANDS:
    if " " in _c.name:
        _group, _word = _c.name.split(" ", 1)
        GROUPS[_group] = (*GROUPS.get(_group, ()), _word)


def usage_hint() -> str:
    """The slash command's `usage_hint` in manifest.json: every subcommand a non-admin may use."""
    return " | ".join(c.usage for c in COMMANDS if not c.admin_only)
