"""Where a listener's slow answer goes: the slash command's response_url, or the user's DM with the bot."""

from __future__ import annotations

from typing import Any, Protocol

from slack_bolt import Respond
from slack_sdk import WebClient

from listeners.blocks.account_builder import error_blocks, error_text, internal_error_blocks, warning_text
from listeners.blocks.common import Block

# Slack accepts at most five posts to one response_url (within 30 minutes).
RESPONSE_URL_USES = 5


class Reply(Protocol):
    def __call__(self, *, text: str, blocks: list[Block], replace: bool = False) -> None: ...


class RespondReply:
    """Ephemeral answers through response_url; the last use is kept for the final message or an error."""

    def __init__(self, respond: Respond) -> None:
        self._respond = respond
        self.uses = 0

    def __call__(self, *, text: str, blocks: list[Block], replace: bool = False, final: bool = True) -> None:
        if not final and self.uses >= RESPONSE_URL_USES - 1:
            return  # keep the last use for the outcome
        if self.uses >= RESPONSE_URL_USES:
            return
        self.uses += 1
        self._respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=replace)


class DirectMessageReply:
    """A message in the user's DM with the bot, updated in place when `replace` is set."""

    def __init__(self, client: WebClient, user_id: str) -> None:
        self._client = client
        self._user_id = user_id
        self._channel: str | None = None
        self._ts: str | None = None

    def __call__(self, *, text: str, blocks: list[Block], replace: bool = False) -> None:
        if self._channel is None:
            opened = self._client.conversations_open(users=self._user_id)
            self._channel = str(opened["channel"]["id"])
        if replace and self._ts is not None:
            self._client.chat_update(channel=self._channel, ts=self._ts, text=text, blocks=blocks)
            return
        posted = self._client.chat_postMessage(channel=self._channel, text=text, blocks=blocks)
        self._ts = str(posted["ts"])


def ephemeral_to_user(
    client: WebClient, user_id: str, channel_id: str | None, *, text: str, blocks: list[Block] | None = None
) -> None:
    """An ephemeral message seen only by this user: in the given channel, else in their DM with the bot."""
    channel = channel_id
    if channel is None:
        channel = str(client.conversations_open(users=user_id)["channel"]["id"])
    kwargs: dict[str, Any] = {"channel": channel, "user": user_id, "text": text}
    if blocks is not None:
        kwargs["blocks"] = blocks
    client.chat_postEphemeral(**kwargs)


def error_reporter(reply: Reply) -> Any:
    """An on_error callback for BackgroundWork that answers through `reply`."""

    def report(message: str, reference: str | None) -> None:
        if reference is None:
            reply(text=error_text(message), blocks=error_blocks(message), replace=True)
        else:
            reply(text=error_text(message, reference), blocks=internal_error_blocks(message, reference), replace=True)

    return report


def dm_error_reporter(client: WebClient, user_id: str, channel_id: str | None) -> Any:
    """An on_error callback for work started from a modal or App Home, where there is no response_url."""

    def report(message: str, reference: str | None) -> None:
        ephemeral_to_user(client, user_id, channel_id, text=warning_text(message, reference))

    return report
