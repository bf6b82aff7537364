"""Parse the text after the slash command into a subcommand and its arguments (pure, no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# name -> (min args, max args, usage)
GRAMMAR: dict[str, tuple[int, int, str]] = {
    "help": (0, 0, "help"),
    "register": (0, 1, "register [username]"),
    "user create": (2, 2, "user create <username> <@user>"),
    "user list": (0, 0, "user list"),
    "user show": (0, 1, "user show [username]"),
    "user delete": (1, 1, "user delete <username>"),
    "creds": (0, 0, "creds"),
    "creds set": (1, 1, "creds set <KEY>"),
    "apikey": (0, 0, "apikey"),
    "dashboards": (0, 0, "dashboards"),
    "scan": (0, 0, "scan"),
    "status": (0, 0, "status"),
}
MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
RAW_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
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


def parse(text: str) -> Parsed | Unparsed:
    words = text.split()
    if not words or words == ["help"]:
        return Unparsed(None)
    head = words[0].lower()
    if head in ("user", "creds") and len(words) > 1 and f"{head} {words[1].lower()}" in GRAMMAR:
        name, args = f"{head} {words[1].lower()}", words[2:]
    elif head == "user":
        sub = f" `{_shown(words[1])}`" if len(words) > 1 else ""
        return Unparsed(f"`user` needs one of create, list, show or delete{sub and ', not' + sub}.")
    elif head in GRAMMAR:
        name, args = head, words[1:]
    else:
        return Unparsed(f"Unknown command `{_shown(words[0])}`.")
    low, high, usage = GRAMMAR[name]
    if len(args) > high:
        if name == "creds set":
            # The extra words are most likely the secret itself: never echo them back.
            return Unparsed(
                "`creds set` takes only the key name; the value is entered in the dialog that opens, "
                "so it never appears in a message. Nothing was saved."
            )
        extra = " ".join(_shown(a) for a in args[high:][:3])
        return Unparsed(f"Too many words for `{usage}`: unexpected `{extra}`.")
    if len(args) < low:
        return Unparsed(f"Missing arguments: use `{usage}`.")
    return Parsed(name, tuple(args))


def slack_user_id(word: str) -> str | None:
    """Accept an escaped mention `<@U123|name>` or a raw user ID."""
    match = MENTION.match(word)
    if match:
        return match.group(1)
    return word if RAW_USER_ID.match(word) else None
