"""The Slack edge's one error policy, by branch of the error tree (core/errors.py):

- Refusal or Invalid: shown as it is (it says what to change), logged at INFO;
- Unavailable: shown with a reference id, logged at WARNING with its cause;
- anything else is a bug: the user gets a reference id, the log the traceback at ERROR.

Used by Bolt's global error handler, by the synchronous part of listeners after ack() (`reported`) and by
background jobs (bot.work.BackgroundWork), so all three answer and log alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_sdk import WebClient

from core.errors import EdabotError, Unavailable
from core.log_context import new_reference
from listeners.blocks.account_builder import warning_text
from listeners.blocks.common import code

log = logging.getLogger(__name__)

OnError = Callable[[str, str | None], None]  # (message for the user, reference id or None)


def report_failure(what: str, error: BaseException, on_error: OnError) -> None:
    """Log `error` by its branch and tell the user through `on_error` (message, reference or None)."""
    if isinstance(error, Unavailable):
        # Not the user's doing and retrying may work: the admin needs the cause, the user a reference.
        reference: str | None = new_reference()
        log.warning("%s failed [ref %s]: %s", what, reference, error, exc_info=error)
        message = str(error)
    elif isinstance(error, EdabotError):
        reference = None
        log.info("%s refused: %s", what, error)
        message = str(error)
    else:
        reference = new_reference()
        log.error("%s failed [ref %s]", what, reference, exc_info=error)
        message = f"Something went wrong while {what}."
    try:
        on_error(message, reference)
    except Exception:
        log.exception("could not tell the user about an error [ref %s]", reference)


def handle_listener_error(error: Exception, body: dict[str, Any], client: WebClient) -> None:
    user_id = (body.get("user") or {}).get("id") or body.get("user_id") or (body.get("event") or {}).get("user")

    def tell(message: str, reference: str | None) -> None:
        if not user_id:
            return
        if reference is not None and not isinstance(error, EdabotError):
            text = (
                f":x: Something went wrong handling your request. Quote reference {code(reference)} to your "
                "edabot admin; the details are in the bot's log."
            )
        else:
            # The message may quote what the user typed: shown, never acted on.
            text = warning_text(message, reference)
        response_url = body.get("response_url")
        if response_url:
            from slack_sdk.webhook import WebhookClient

            WebhookClient(response_url).send(text=text, response_type="ephemeral")
        else:
            channel = client.conversations_open(users=user_id)["channel"]["id"]
            client.chat_postEphemeral(channel=channel, user=user_id, text=text)

    report_failure(f"listener for {body.get('type') or body.get('command')}", error, tell)


@contextmanager
def reported(what: str, on_error: OnError) -> Iterator[None]:
    """Run the synchronous part of a listener that follows ack() without letting anything escape.

    Bolt's thread runner resets an ack already given when the listener raises before the runner has
    sent it, so an exception here would turn into "no ack" and a Slack-side error for the user.
    """
    try:
        yield
    except Exception as exc:
        report_failure(what, exc, on_error)
