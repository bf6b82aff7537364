"""One slash command invocation, as the subcommand handlers see it (after ack)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from slack_bolt import Respond
from slack_sdk import WebClient

from core.authz import Actor
from listeners.blocks.common import Block
from listeners.reply import RespondReply, error_reporter
from listeners.services import Services


@dataclass
class CommandRequest:
    services: Services
    client: WebClient
    respond: Respond
    user_id: str
    channel_id: str | None
    trigger_id: str
    args: tuple[str, ...]
    reply: RespondReply = field(init=False)

    def __post_init__(self) -> None:
        self.reply = RespondReply(self.respond)

    @property
    def command(self) -> str:
        return self.services.command

    def actor(self) -> Actor:
        return self.services.actor(self.user_id)

    def answer(self, text: str, blocks: list[Block], *, replace: bool = False) -> None:
        self.reply(text=text, blocks=blocks, replace=replace)

    def in_background(self, what: str, job: Callable[[], None]) -> None:
        self.services.work.submit(what, job, error_reporter(self.reply))
