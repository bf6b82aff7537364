"""What the pipeline needs from the outside world: a previewer (GIF capture) and a notifier (Slack), as
Protocols with their value types, so core/ never imports the adapters that implement them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from core.errors import Unavailable
from core.secret import Secret


@dataclass(frozen=True)
class PreviewResult:
    path: Path | None
    ok: bool
    problems: list[str] = field(default_factory=list)


class Previewer(Protocol):
    def preview(self, *, uid: str, token: Secret | None) -> PreviewResult: ...


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str
    file_id: str | None


@dataclass(frozen=True)
class Job:
    """What the notifier needs about one dashboard; credentials decrypted only for this send."""

    dashboard_id: int
    username: str
    slack_user_id: str | None
    kind: str
    database: str
    table: str
    grafana_url: str
    figures: dict[str, Any]
    preview: PreviewResult | None
    channel: str | None
    bot_token: Secret | None
    since: datetime | None
    # The key figures of the earlier posted runs of the same series, oldest first: the message compares with them.
    earlier: list[dict[str, Any]] = field(default_factory=list)
    series: str | None = None
    # A later run of a series replies in the thread of its first message, and updates that message in place
    # (unless a newer run of the series has already been posted: then that one keeps the parent current).
    thread: Posted | None = None
    parent_id: int | None = None
    parent_table: str | None = None
    update_parent: bool = False


class Notifier(Protocol):
    def find_posted(self, job: Job) -> Posted | None: ...

    def post(self, job: Job) -> Posted: ...

    def replace(self, job: Job, posted: Posted) -> Posted: ...

    def update_parent(self, job: Job, reply: Posted) -> None: ...


@dataclass(frozen=True)
class DeferralJob:
    """The summary message of one user database's deferred tables: `count` tables wait there now."""

    notice_id: int
    username: str
    slack_user_id: str | None
    database: str
    count: int
    channel: str | None
    bot_token: Secret | None
    since: datetime | None


class DeferralNotifier(Protocol):
    """Posts, finds and edits the one summary message per user database (metadata names the notice)."""

    def find_deferral(self, job: DeferralJob) -> Posted | None: ...

    def post_deferral(self, job: DeferralJob) -> Posted: ...

    def update_deferral(self, job: DeferralJob, posted: Posted) -> Posted: ...


class NotifyError(Unavailable):
    """A send that Slack refused; the message is the fix shown to the user (e.g. invite the bot)."""


@dataclass
class Ports:
    """The adapters one worker process runs with, the lease owner id it claims rows under, and the quota of
    new dashboards per user and hour its scans apply (None: no quota)."""

    previewer: Previewer
    notifier: Notifier
    owner: str
    lease_s: int = 300
    deferrals: DeferralNotifier | None = None  # None: deferred tables get no summary message from this process
    new_per_hour: int | None = None
