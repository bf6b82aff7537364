"""The one global error handler: tell the user what failed with a reference id, log the traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_sdk import WebClient

from core.errors import EdabotError
from core.log_context import new_reference
from listeners.blocks.common import code, esc

log = logging.getLogger(__name__)


def handle_listener_error(error: Exception, body: dict[str, Any], client: WebClient) -> None:
    user_id = (body.get("user") or {}).get("id") or body.get("user_id") or (body.get("event") or {}).get("user")
    if isinstance(error, EdabotError):
        # The message may quote what the user typed: shown, never acted on.
        text, reference = f":warning: {esc(error)}", None
    else:
        reference = new_reference()
        text = (
            f":x: Something went wrong handling your request. Quote reference {code(reference)} to your "
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


@contextmanager
def reported(what: str, on_error: Callable[[str, str | None], None]) -> Iterator[None]:
    """Run the synchronous part of a listener that follows ack() without letting anything escape.

    Bolt's thread runner resets an ack already given when the listener raises before the runner has
    sent it, so an exception here would turn into "no ack" and a Slack-side error for the user.
    """
    try:
        yield
    except EdabotError as exc:
        on_error(str(exc), None)
    except Exception:
        reference = new_reference()
        log.exception("%s failed [ref %s]", what, reference)
        try:
            on_error(f"Something went wrong while {what}.", reference)
        except Exception:
            log.exception("could not tell the user about an error [ref %s]", reference)
