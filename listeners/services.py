"""What listeners need at runtime, built once by bot/runtime.py and put into each Bolt context.

Listeners never import bot/: the settings, background work and metrics they use are described here as
Protocols that bot's real objects satisfy, and actor resolution is core's (core/actors.py).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Protocol

from core.actors import slack_actor
from core.authz import Actor
from core.context import CoreContext
from core.pipeline.ports import Ports
from core.secret import Secret

OnError = Callable[[str, str | None], None]  # (message for the user, reference id or None)


class ListenerSettings(Protocol):
    """The part of bot.config.Settings listeners read."""

    @property
    def slack_command(self) -> str: ...
    @property
    def slack_bot_token(self) -> Secret | None: ...
    @property
    def slack_api_url(self) -> str: ...
    @property
    def slack_channel_id(self) -> str | None: ...
    @property
    def admins(self) -> Collection[str]: ...


class Work(Protocol):
    """Runs a job after the ack, reporting its errors through `on_error` (bot.work.BackgroundWork)."""

    def submit(self, what: str, job: Callable[[], None], on_error: OnError) -> Any: ...


class Histogram(Protocol):
    def observe(self, amount: float) -> None: ...


class ListenerMetrics(Protocol):
    @property
    def ack_seconds(self) -> Histogram: ...


@dataclass(frozen=True)
class Services:
    settings: ListenerSettings
    core: CoreContext
    work: Work
    # The notification pipeline's ports (capture, Slack notifier); None in tests that do not need them.
    pipeline: Ports | None = None
    metrics: ListenerMetrics | None = None

    @property
    def command(self) -> str:
        return self.settings.slack_command

    def actor(self, slack_user_id: str) -> Actor:
        return slack_actor(self.core.db, slack_user_id, admins=self.settings.admins)
