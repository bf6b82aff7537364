"""The channel message for a new dashboard: header, key figures, preview, and its three buttons."""

from __future__ import annotations

from typing import Any

from listeners.blocks.common import Block, button, clip, context, header, section
from listeners.ids import ActionId, MessageMetadata

KIND_TITLES = {"timing": "Timing", "qor": "QoR", "drc": "DRC"}


def notification_text(kind: str, table: str, username: str) -> str:
    return f"New {KIND_TITLES.get(kind, kind)} results: {table} ({username})"


def notification_blocks(
    *,
    dashboard_id: int,
    kind: str,
    table: str,
    username: str,
    slack_user_id: str | None,
    database: str,
    grafana_url: str,
    figures: list[list[str]],
    top: list[list[str]],
    file_id: str | None,
    problems: list[str],
) -> list[Block]:
    owner = f"<@{slack_user_id}>" if slack_user_id else f"`{username}`"
    blocks: list[Block] = [
        header(f"{KIND_TITLES.get(kind, kind)}: {table}"),
        section(f"New table in {owner}'s `{database}` database."),
    ]
    fields = [{"type": "mrkdwn", "text": clip(f"*{title}*\n{value}", 2000)} for title, value in figures[:8]]
    if fields:
        blocks.append({"type": "section", "fields": fields})
    if top:
        blocks.append(section("*Top rules:* " + ", ".join(f"`{clip(name, 60)}` ({count})" for name, count in top[:3])))
    if file_id:
        blocks.append({"type": "image", "slack_file": {"id": file_id}, "alt_text": f"Preview of the {table} dashboard"})
    if problems:
        blocks.append(
            section(
                ":warning: *The preview is not usable:* "
                + clip("; ".join(problems), 2500)
                + "\nPress *Refresh preview* to try again."
            )
        )
    blocks.append(
        {
            "type": "actions",
            "elements": [
                button(
                    "Open in Grafana",
                    ActionId.OPEN_DASHBOARD_LINK,
                    url=grafana_url,
                    value=str(dashboard_id),
                    style="primary",
                ),
                button("Refresh preview", ActionId.REFRESH_PREVIEW, value=str(dashboard_id)),
                {
                    **button("Mute", ActionId.MUTE_DASHBOARD, value=str(dashboard_id), style="danger"),
                    "confirm": {
                        "title": {"type": "plain_text", "text": "Mute this table?"},
                        "text": {"type": "plain_text", "text": f"No more notifications for {clip(table, 200)}."},
                        "confirm": {"type": "plain_text", "text": "Mute"},
                        "deny": {"type": "plain_text", "text": "Cancel"},
                    },
                },
            ],
        }
    )
    blocks.append(context(f"edabot · dashboard {dashboard_id}"))
    return blocks


def notification_metadata(dashboard_id: int, username: str, table: str) -> dict[str, Any]:
    return {
        "event_type": MessageMetadata.DASHBOARD_EVENT,
        "event_payload": {"dashboard_id": dashboard_id, "username": username, "table": table},
    }
