"""A user's notification channel (their SLACK_CHANNEL_ID credential) must be a channel they are in:
otherwise anyone could have edabot post their dashboards, or its own name, into other people's channels.

Core asks through a ChannelDirectory port; the Slack adapter that answers it lives outside core.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from core.errors import InvalidInput

NOTIFY_CHANNEL_KEY = "SLACK_CHANNEL_ID"
# Public (C…), private (G… for older ones) and DM (D…) conversation ids, as SLACK_CHANNEL_ID accepts.
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,20}$")


class ChannelUnavailable(InvalidInput):
    """The bot cannot see the channel (it does not exist, or it is private and the bot is not in it)."""


class ChannelDirectory(Protocol):
    def is_member(self, channel_id: str, slack_user_id: str) -> bool:
        """Whether the user is in the channel. Raises ChannelUnavailable when the bot cannot see it, and
        EdabotError when Slack cannot answer now."""
        ...


@dataclass(frozen=True)
class ChannelPolicy:
    """How a SLACK_CHANNEL_ID value is checked: through `directory`, unless an admin sets it (admins may
    point anyone's notifications anywhere). `directory` is None where edabot has no Slack connection."""

    directory: ChannelDirectory | None
    by_admin: bool


def require_member_channel(policy: ChannelPolicy | None, *, owner_slack_id: str | None, channel_id: str) -> None:
    """Raise InvalidInput, saying why, unless `channel_id` may be the owner's notification channel."""
    if not CHANNEL_ID.match(channel_id):
        raise InvalidInput(
            f"{NOTIFY_CHANNEL_KEY} must be a channel ID like C012AB3CD (in Slack: the channel's name, then "
            "About, at the bottom), not a channel name. Nothing was saved."
        )
    if policy is not None and policy.by_admin:
        return
    if policy is None or policy.directory is None:
        raise InvalidInput(
            f"edabot cannot check here that you are a member of {channel_id} (it has no Slack connection), so "
            f"it cannot set {NOTIFY_CHANNEL_KEY}: set it from Slack with the creds command, or ask an edabot "
            "admin. Nothing was saved."
        )
    if owner_slack_id is None:
        raise InvalidInput(
            f"This account has no Slack user, so edabot cannot check that its owner is a member of {channel_id}; "
            f"an edabot admin can set {NOTIFY_CHANNEL_KEY} for it. Nothing was saved."
        )
    if not policy.directory.is_member(channel_id, owner_slack_id):
        raise InvalidInput(
            f"You are not a member of channel {channel_id}: notifications can only go to a channel you are in. "
            "Join it first, or choose another channel. Nothing was saved."
        )
