"""Parse the text after the slash command into a subcommand and its arguments, by the command table
(listeners.commands.table); no I/O."""

from __future__ import annotations

from dataclasses import dataclass

from listeners.commands.mentions import slack_user_id
from listeners.commands.table import BY_NAME, GROUPS

__all__ = ["Parsed", "Unparsed", "parse", "slack_user_id"]

SHOWN_MAX = 40


@dataclass(frozen=True)
class Parsed:
    name: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class Unparsed:
    """Input we could not understand; `problem` names it, help follows."""

    problem: str | None  # None: plain help (empty input or `help`)


def _shown(word: str) -> str:
    # Shown inside `…`: a backtick of the user's would end that span early. `&<>` are escaped later,
    # where the problem is put into a message (listeners.blocks).
    word = word.replace("`", "'")
    return word if len(word) <= SHOWN_MAX else word[:SHOWN_MAX] + "…"


def _one_of(words: tuple[str, ...]) -> str:
    return ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else words[0]


def parse(text: str) -> Parsed | Unparsed:
    words = text.split()
    if not words or words == ["help"]:
        return Unparsed(None)
    head = words[0].lower()
    if head in GROUPS and len(words) > 1 and f"{head} {words[1].lower()}" in BY_NAME:
        name, args = f"{head} {words[1].lower()}", words[2:]
    elif head in GROUPS and head not in BY_NAME:
        sub = f" `{_shown(words[1])}`" if len(words) > 1 else ""
        return Unparsed(f"`{head}` needs one of {_one_of(GROUPS[head])}{sub and ', not' + sub}.")
    elif head in BY_NAME:
        name, args = head, words[1:]
    else:
        return Unparsed(f"Unknown command `{_shown(words[0])}`.")
    command = BY_NAME[name]
    if len(args) > command.max_args:
        if command.secret_after_args:
            # The extra words are most likely the secret itself: never echo them back.
            return Unparsed(
                f"`{name}` takes only the key name; the value is entered in the dialog that opens, "
                "so it never appears in a message. Nothing was saved."
            )
        extra = " ".join(_shown(a) for a in args[command.max_args :][:3])
        return Unparsed(f"Too many words for `{command.usage}`: unexpected `{extra}`.")
    if len(args) < command.min_args:
        return Unparsed(f"Missing arguments: use `{command.usage}`.")
    return Parsed(name, tuple(args))
