"""The simulated workspace's state: users, conversations, messages, views, triggers, files.

Plain data plus lookups; the API handlers hold `Workspace.lock` while they read or change it
(they run on the simulator's event-loop thread, test helpers on the test thread).
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass, field
from typing import Any

CONV_PUBLIC = "public"
CONV_PRIVATE = "private"
CONV_IM = "im"
CONV_MPIM = "mpim"


@dataclass
class Trigger:
    trigger_id: str
    user_id: str
    issued_at: float
    channel_id: str | None = None
    used: bool = False


@dataclass
class StoredFile:
    meta: dict[str, Any]
    content: bytes | None = None
    declared_length: int | None = None
    uploaded: bool = False
    completed: bool = False


@dataclass
class ResponseUrl:
    """A response_url handed out with a slash command or message block_actions payload."""

    rid: str
    url: str
    user_id: str
    channel_id: str | None
    created_at: float
    # The (channel, ts) of the non-ephemeral message the interaction came from, which
    # replace_original / delete_original act on; None for slash commands and ephemerals.
    source: tuple[str, str] | None = None
    uses: int = 0
    posts: list[dict[str, Any]] = field(default_factory=list)
    current: list[dict[str, Any]] = field(default_factory=list)


class Workspace:
    def __init__(self, team_id: str) -> None:
        self.lock = threading.RLock()
        self.team_id = team_id
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.members: dict[str, set[str] | None] = {}  # None = every user is a member
        self.ims: dict[str, str] = {}  # user_id -> D… channel id
        self.messages: dict[str, dict[str, dict[str, Any]]] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.view_owner: dict[str, str] = {}
        self.modal_stacks: dict[str, list[str]] = {}  # user_id -> [root … top] view ids
        self.home_views: dict[str, str] = {}  # user_id -> view id
        self.triggers: dict[str, Trigger] = {}
        self.files: dict[str, StoredFile] = {}
        self.responses: dict[str, ResponseUrl] = {}
        self.tickets: set[str] = set()

    # ---- users --------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        is_admin: bool = False,
        is_bot: bool = False,
        real_name: str | None = None,
        email: str | None = None,
        extra_profile: dict[str, Any] | None = None,
        team_id: str | None = None,
        is_stranger: bool = False,
        enterprise_id: str | None = None,
    ) -> dict[str, Any]:
        """A user of this workspace, or (team_id / is_stranger / enterprise_id) a Slack Connect user of
        another organisation as users.info shows them (the fields of java-slack-sdk's users.info sample)."""
        # Shape of users.info's documented success example.
        home_team = team_id or self.team_id
        real = real_name or name
        profile: dict[str, Any] = {
            "real_name": real,
            "display_name": name,
            "real_name_normalized": real,
            "display_name_normalized": name,
            "team": home_team,
        }
        if email is not None and not is_bot:
            profile["email"] = email
        profile.update(extra_profile or {})
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": home_team,
            "name": name,
            "deleted": False,
            "color": "9f69e7",
            "real_name": real,
            "tz": "Europe/London",
            "tz_label": "Greenwich Mean Time",
            "tz_offset": 0,
            "profile": profile,
            "is_admin": is_admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(time.time()),
            "has_2fa": False,
        }
        if is_stranger:
            user["is_stranger"] = True
        if enterprise_id is not None:
            user["enterprise_user"] = {
                "id": user_id,
                "enterprise_id": enterprise_id,
                "enterprise_name": f"Enterprise {enterprise_id}",
                "is_admin": False,
                "is_owner": False,
                "is_primary_owner": False,
                "teams": [home_team],
            }
        with self.lock:
            self.users[user_id] = user
        return copy.deepcopy(user)

    # ---- conversations ------------------------------------------------------------------

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        is_private: bool = False,
        is_member: bool = True,
        is_archived: bool = False,
        members: set[str] | None = None,
        creator: str = "",
    ) -> dict[str, Any]:
        now = int(time.time())
        # Shape of conversations.info's documented success example.
        channel = {
            "id": channel_id,
            "name": name,
            "is_channel": not is_private,
            "is_group": is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": is_private,
            "created": now,
            "is_archived": is_archived,
            "is_general": name == "general",
            "unlinked": 0,
            "name_normalized": name,
            "is_shared": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "is_pending_ext_shared": False,
            "pending_shared": [],
            "context_team_id": self.team_id,
            "updated": now * 1000,
            "parent_conversation": None,
            "creator": creator,
            "shared_team_ids": [self.team_id],
            "is_member": is_member,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "previous_names": [],
        }
        with self.lock:
            self.channels[channel_id] = channel
            self.members[channel_id] = set(members) if members is not None else None
            self.messages.setdefault(channel_id, {})
        return copy.deepcopy(channel)

    def open_im(self, user_id: str, channel_id: str) -> dict[str, Any]:
        channel = {
            "id": channel_id,
            "created": int(time.time()),
            "is_im": True,
            "is_org_shared": False,
            "user": user_id,
            "last_read": "0000000000.000000",
            "latest": None,
            "unread_count": 0,
            "unread_count_display": 0,
            "is_open": True,
            "priority": 0,
            "is_member": True,
            "is_private": True,
            "is_archived": False,
        }
        with self.lock:
            self.channels[channel_id] = channel
            self.members[channel_id] = {user_id}
            self.messages.setdefault(channel_id, {})
            self.ims[user_id] = channel_id
        return channel

    def find_conversation(self, ref: str | None) -> dict[str, Any] | None:
        """By id, or by name ("general" / "#general"), as chat.postMessage accepts both."""
        if not ref:
            return None
        with self.lock:
            if ref in self.channels:
                return self.channels[ref]
            name = ref[1:] if ref.startswith("#") else ref
            for channel in self.channels.values():
                if channel.get("name") == name and not channel.get("is_im"):
                    return channel
        return None

    @staticmethod
    def conversation_type(channel: dict[str, Any]) -> str:
        if channel.get("is_im"):
            return CONV_IM
        if channel.get("is_mpim"):
            return CONV_MPIM
        return CONV_PRIVATE if channel.get("is_private") else CONV_PUBLIC

    def is_user_in(self, channel_id: str, user_id: str) -> bool:
        with self.lock:
            members = self.members.get(channel_id)
            return members is None or user_id in members

    def member_ids(self, channel_id: str, bot_user_id: str) -> list[str]:
        """conversations.members' list: people in workspace order, the bot only when it is a member."""
        with self.lock:
            channel = self.channels[channel_id]
            members = self.members.get(channel_id)
            people = [u for u in self.users if u != bot_user_id and (members is None or u in members)]
            strangers = sorted(m for m in members or () if m not in self.users and m != bot_user_id)
            bot = [bot_user_id] if channel.get("is_member") else []
            return people + strangers + bot

    def set_membership(self, channel_id: str, user_id: str, *, member: bool) -> None:
        """A user joins or leaves a channel (None = everyone is first made explicit)."""
        with self.lock:
            members = self.members.get(channel_id)
            explicit = set(self.users) if members is None else set(members)
            if member:
                explicit.add(user_id)
            else:
                explicit.discard(user_id)
            self.members[channel_id] = explicit

    # ---- messages -----------------------------------------------------------------------

    def store_message(self, channel_id: str, message: dict[str, Any]) -> None:
        with self.lock:
            self.messages.setdefault(channel_id, {})[message["ts"]] = message

    def get_message(self, channel_id: str, ts: str) -> dict[str, Any] | None:
        with self.lock:
            return self.messages.get(channel_id, {}).get(ts)

    def delete_message(self, channel_id: str, ts: str) -> dict[str, Any] | None:
        with self.lock:
            return self.messages.get(channel_id, {}).pop(ts, None)

    def channel_messages(self, channel_id: str) -> list[dict[str, Any]]:
        """All messages (threads included), oldest first."""
        with self.lock:
            items = list(self.messages.get(channel_id, {}).values())
        return sorted(items, key=lambda m: ts_key(m["ts"]))


def ts_key(ts: str) -> tuple[int, int]:
    """Sort/compare key for Slack ts strings (string comparison breaks on differing lengths)."""
    seconds, _, micros = ts.partition(".")
    return int(seconds), int(micros or 0)
