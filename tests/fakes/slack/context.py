"""Shared services of one simulator instance, handed to every handler."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from .contract import Catalogue
from .faults import FaultInjector
from .ids import IdFactory
from .records import RequestLog, ViolationLog
from .workspace import Workspace

# What a typical Socket Mode bot of ours is installed with (slack-platform.md §3 "Tokens and
# scopes", plus the read scopes needed for file downloads, DMs and history). Tests that want to
# prove a scope is missing override `SlackSimulator.granted_scopes`.
DEFAULT_BOT_SCOPES = frozenset(
    {
        "app_mentions:read", "channels:history", "channels:read", "chat:write", "chat:write.public",
        "commands", "files:read", "files:write", "groups:history", "groups:read", "im:history",
        "im:read", "im:write", "users:read",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Identity:
    team_id: str
    team_domain: str
    team_name: str
    bot_user_id: str
    bot_id: str
    bot_name: str
    app_id: str
    bot_token: str
    app_token: str


@dataclass
class Urls:
    """Base URLs, known once the servers have bound their ports."""

    http_base: str = ""  # "http://127.0.0.1:P"
    ws_base: str = ""  # "ws://127.0.0.1:W"

    @property
    def api_url(self) -> str:
        return f"{self.http_base}/api/"

    def upload_url(self, file_id: str) -> str:
        return f"{self.http_base}/upload/{file_id}"

    def response_url(self, rid: str) -> str:
        return f"{self.http_base}/response/{rid}"

    def file_urls(self, team_id: str, file_id: str, name: str) -> dict[str, str]:
        # Mirrors files.slack.com/files-pri/<team>-<file>/<name> and …/download/<name>.
        base = f"{self.http_base}/files-pri/{team_id}-{file_id}"
        return {
            "url_private": f"{base}/{name}",
            "url_private_download": f"{base}/download/{name}",
            "permalink": f"{self.http_base}/files/{file_id}/{name}",
        }

    def signin_url(self) -> str:
        return f"{self.http_base}/signin"


@dataclass
class Settings:
    trigger_ttl_s: float = 3.0  # trigger_id validity (docs: 3 seconds)
    ack_timeout_s: float = 3.0  # Socket Mode ack deadline
    max_event_retries: int = 3  # Events API redeliveries after the first attempt
    response_url_max_uses: int = 5  # docs: up to 5 times within 30 minutes
    response_url_ttl_s: float = 30 * 60
    disconnect_grace_s: float = 5.0  # server closes a socket this long after sending disconnect
    max_view_stack: int = 3  # views.push: at most 3 views in a modal stack
    # Slack pings Socket Mode clients. Frequent pings also wake slack_sdk's blocking reader,
    # whose lock otherwise delays handler.close() and reconnects by up to its 3 s recv timeout.
    server_ping_interval_s: float | None = 0.25


@dataclass
class SimContext:
    identity: Identity
    ids: IdFactory
    ws: Workspace
    catalogue: Catalogue
    settings: Settings
    violations: ViolationLog = field(default_factory=ViolationLog)
    requests: RequestLog = field(default_factory=RequestLog)
    faults: FaultInjector = field(default_factory=FaultInjector)
    urls: Urls = field(default_factory=Urls)
    undocumented_errors: list[str] = field(default_factory=list)
    _scopes: set[str] = field(default_factory=lambda: set(DEFAULT_BOT_SCOPES))
    _scopes_lock: threading.Lock = field(default_factory=threading.Lock)

    def violation(self, message: str, *, warning: bool = False) -> None:
        self.violations.add(message, warning=warning)

    @property
    def scopes(self) -> frozenset[str]:
        with self._scopes_lock:
            return frozenset(self._scopes)

    def set_scopes(self, scopes: Iterable[str]) -> None:
        with self._scopes_lock:
            self._scopes = set(scopes)

    def has_scope(self, scope: str) -> bool:
        with self._scopes_lock:
            return scope in self._scopes
