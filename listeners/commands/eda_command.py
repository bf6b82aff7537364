"""The one slash command (`/eda` by default): ack at once, then route to the subcommand."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from listeners.commands import (
    creds_command,
    dashboards_command,
    register_command,
    scan_command,
    status_command,
    user_command,
)
from listeners.commands.help_command import show_help
from listeners.commands.parse import Parsed, parse
from listeners.commands.request import CommandRequest
from listeners.errors import reported
from listeners.reply import error_reporter
from listeners.services import Services

HANDLERS: dict[str, Callable[[CommandRequest], None]] = {
    "register": register_command.register,
    "user create": register_command.create_for_other,
    "user list": user_command.list_users,
    "user show": user_command.show_user,
    "user delete": user_command.delete_user,
    "creds": creds_command.open_creds,
    "creds set": creds_command.set_one,
    "apikey": creds_command.rotate_api_key,
    "dashboards": dashboards_command.list_dashboards,
    "scan": scan_command.scan_now,
    "status": status_command.show_status,
}


def eda_command(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext) -> None:
    ack()  # first, always: Slack gives up after 3 s and slow work follows in the background
    services: Services = context["services"]
    if services.metrics is not None and "received_at" in context:
        services.metrics.ack_seconds.observe(time.monotonic() - context["received_at"])
    parsed = parse(command.get("text") or "")
    req = CommandRequest(
        services=services,
        client=client,
        respond=respond,
        user_id=command["user_id"],
        channel_id=command.get("channel_id"),
        trigger_id=command.get("trigger_id", ""),
        args=parsed.args if isinstance(parsed, Parsed) else (),
    )
    with reported("handling your command", error_reporter(req.reply)):
        if isinstance(parsed, Parsed):
            HANDLERS[parsed.name](req)
        else:
            show_help(req, parsed.problem)
