"""Slack user ids in command arguments: an escaped mention `<@U123|name>` or a raw user id (pure)."""

from __future__ import annotations

import re

MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
RAW_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")


def slack_user_id(word: str) -> str | None:
    """Accept an escaped mention `<@U123|name>` or a raw user ID."""
    match = MENTION.match(word)
    if match:
        return match.group(1)
    return word if RAW_USER_ID.match(word) else None
