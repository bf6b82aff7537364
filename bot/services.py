"""Everything listeners need, built once by the runtime and put into each Bolt context."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.metrics import Metrics
from bot.work import BackgroundWork
from core import users
from core.authz import Actor
from core.context import CoreContext
from core.pipeline.ports import Ports


@dataclass(frozen=True)
class Services:
    settings: Settings
    core: CoreContext
    work: BackgroundWork
    # The notification pipeline's ports (capture, Slack notifier); None in tests that do not need them.
    pipeline: Ports | None = None
    metrics: Metrics | None = None

    @property
    def command(self) -> str:
        return self.settings.slack_command

    def actor(self, slack_user_id: str) -> Actor:
        with self.core.db.session() as session:
            user = users.by_slack_id(session, slack_user_id)
            username = user.username if user is not None and user.active else None
            is_admin = slack_user_id in self.settings.admins or bool(user is not None and user.is_admin)
        return Actor(label=slack_user_id, is_admin=is_admin, username=username)
