"""The one slash command (`/eda` by default): ack at once, then route to the subcommand."""

from __future__ import annotations

import time
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from listeners.commands.help_command import show_help
from listeners.commands.parse import Parsed, Unparsed, parse
from listeners.commands.request import CommandRequest
from listeners.commands.table import BY_NAME
from listeners.errors import reported
from listeners.reply import error_reporter
from listeners.services import Services


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
        handler = BY_NAME[parsed.name].handler if isinstance(parsed, Parsed) else None
        if handler is not None:
            handler(req)
        else:  # `help`, empty or not understood: the table's usage, with the problem if there is one
            show_help(req, parsed.problem if isinstance(parsed, Unparsed) else None)
