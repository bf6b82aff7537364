"""The one command table (listeners/commands/table.py) agrees with everything it drives: the parser accepts
every documented usage, `/eda help` lists every command, manifest.json's usage_hint is the table's, and the
names, arguments and who-column are SPEC.md's."""

from __future__ import annotations

import json
import re

import pytest

from listeners.blocks.help_builder import help_blocks
from listeners.commands.parse import Parsed, Unparsed, parse
from listeners.commands.table import COMMANDS, Command, usage_hint
from tests.conftest import REPO, shared_path

EXAMPLES = {
    "<username>": "alice_1",
    "[username]": "alice_1",
    "<@user>": "<@U012AB3CD|bob>",
    "<KEY>": "SLACK_CHANNEL_ID",
    "<table>": "run_harness_2",
    "<name>": "harness",
    "<series>": "gcd/nangate45/base",
    "[A]": "aes_20261201_1200",
    "[B]": "aes_20261202_0900",
}
ROWS = [c for c in COMMANDS if c.name != "help"]


def _args(command: Command, *, optional: bool) -> tuple[str, ...]:
    return tuple(EXAMPLES[a] for a in command.args if optional or a.startswith("<"))


@pytest.mark.parametrize("command", ROWS, ids=lambda c: c.name)
def test_every_documented_usage_parses_to_its_command(command: Command) -> None:
    for optional in (False, True):
        args = _args(command, optional=optional)
        assert parse(" ".join((command.name, *args))) == Parsed(command.name, args)
    if command.min_args:
        missing = parse(command.name)
        assert isinstance(missing, Unparsed) and command.usage in (missing.problem or "")


def test_help_parses_to_help_and_every_other_row_has_a_handler() -> None:
    assert parse("help") == Unparsed(None)
    assert all(c.handler is not None for c in ROWS)


def _help_text(*, is_admin: bool) -> str:
    blocks = help_blocks("/eda", commands=COMMANDS, problem=None, username="alice_1", is_admin=is_admin)
    return json.dumps(blocks)


def test_help_lists_every_command_and_admin_ones_to_admins_only() -> None:
    admin, member = _help_text(is_admin=True), _help_text(is_admin=False)
    for command in COMMANDS:
        shown = json.dumps(f"/eda {command.usage}")[1:-1].replace("<", "&lt;").replace(">", "&gt;")
        assert shown in admin, command.usage
        assert (shown in member) is not command.admin_only, command.usage


def test_the_manifest_usage_hint_is_the_tables() -> None:
    manifest = json.loads((REPO / "manifest.json").read_text())
    assert manifest["features"]["slash_commands"][0]["usage_hint"] == usage_hint()


def _spec_rows() -> dict[str, tuple[str, str]]:
    """SPEC.md's subcommand table: name -> (usage, who), one entry per backticked usage in the first cell."""
    text = shared_path("SPEC.md").read_text()
    rows: dict[str, tuple[str, str]] = {}
    table = text[text.index("| subcommand | who |") :]
    for line in table.splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        for usage in re.findall(r"`([^`]+)`", cells[0]):
            words = usage.split()
            name = " ".join(w for w in words[:2] if not w.startswith(("<", "[")))
            rows[name] = (usage, cells[1])
    return rows


def test_names_arguments_and_who_are_the_specs() -> None:
    spec = _spec_rows()
    assert "creds set" in spec, "SPEC.md's subcommand table was not found"
    for command in COMMANDS:
        assert command.name in spec, f"{command.name} is not in SPEC.md's subcommand table"
        assert (command.usage, command.who.value) == spec[command.name]
