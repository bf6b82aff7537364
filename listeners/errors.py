"""The one global error handler: tell the user what failed with a reference id, log the traceback."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from bot.work import new_reference
from core.errors import EdabotError

log = logging.getLogger(__name__)


def handle_listener_error(error: Exception, body: dict[str, Any], client: WebClient) -> None:
    user_id = (body.get("user") or {}).get("id") or body.get("user_id") or (body.get("event") or {}).get("user")
    if isinstance(error, EdabotError):
        text, reference = f":warning: {error}", None
    else:
        reference = new_reference()
        text = (
            f":x: Something went wrong handling your request. Quote reference `{reference}` to your "
            "edabot admin; the details are in the bot's log."
        )
    log.error("listener failed [ref %s] for %s", reference, body.get("type") or body.get("command"), exc_info=error)
    if not user_id:
        return
    try:
        response_url = body.get("response_url")
        if response_url:
            from slack_sdk.webhook import WebhookClient

            WebhookClient(response_url).send(text=text, response_type="ephemeral")
        else:
            channel = client.conversations_open(users=user_id)["channel"]["id"]
            client.chat_postEphemeral(channel=channel, user=user_id, text=text)
    except Exception:
        log.exception("could not tell %s about an error [ref %s]", user_id, reference)
