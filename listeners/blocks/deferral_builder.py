"""The one message per user database that summarises its tables held back by the hourly quota, and the reply
to its "Process them now" button."""

from __future__ import annotations

from typing import Any

from listeners.blocks.common import Block, button, code, context, esc, mention, section
from listeners.ids import ActionId, MessageMetadata


def _tables(count: int) -> str:
    return f"{count} more table{'' if count == 1 else 's'}"


def deferral_text(*, count: int, database: str, command: str) -> str:
    # The fallback text (notifications, screen readers) is mrkdwn like the blocks: the names are escaped.
    if count == 0:
        return f"Every deferred table in {code(database)} is being processed."
    return f"{_tables(count)} in {code(database)}; {code(command + ' dashboards')} lists them"


def deferral_blocks(
    *, notice_id: int, count: int, database: str, username: str, slack_user_id: str | None, command: str
) -> list[Block]:
    owner = mention(slack_user_id) if slack_user_id else code(username)
    if count == 0:
        return [
            section(
                f"{deferral_text(count=0, database=database, command=command)} "
                f"Each one gets its own message as its dashboard is ready, {owner}."
            ),
            context(f"edabot · {esc(username)}'s deferred tables"),
        ]
    return [
        section(f"{deferral_text(count=count, database=database, command=command)}."),
        context(
            f"{owner}'s new tables beyond the hourly quota (MAX_NEW_DASHBOARDS_PER_HOUR) wait here instead of "
            "each getting a message. They are processed oldest first as the quota allows, or all at once if "
            "you press the button."
        ),
        {
            "type": "actions",
            "elements": [
                {
                    **button("Process them now", ActionId.PROCESS_DEFERRED, value=str(notice_id), style="primary"),
                    "confirm": {
                        "title": {"type": "plain_text", "text": "Process them all now?"},
                        "text": {
                            "type": "plain_text",
                            "text": f"Each of the {count} tables gets a dashboard and a message.",
                        },
                        "confirm": {"type": "plain_text", "text": "Process"},
                        "deny": {"type": "plain_text", "text": "Cancel"},
                    },
                }
            ],
        },
    ]


def deferral_metadata(notice_id: int, username: str, database: str) -> dict[str, Any]:
    return {
        "event_type": MessageMetadata.DEFERRED_EVENT,
        "event_payload": {"notice_id": notice_id, "username": username, "database": database},
    }


def deferred_released_text(*, count: int, database: str) -> str:
    """The ephemeral answer to the button."""
    if count == 0:
        return f"Nothing is waiting in {code(database)} any more: its tables are already being processed."
    return f"Processing {_tables(count).replace('more ', '')} from {code(database)} now; each gets its own message."
