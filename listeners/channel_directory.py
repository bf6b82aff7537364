"""core's ChannelDirectory port answered by Slack's conversations.members (paginated with a cursor)."""

from __future__ import annotations

import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core.channels import ChannelUnavailable
from core.errors import Refusal, Unavailable

PAGE_SIZE = 1000  # Slack's cap for conversations.members; fewer round trips for large channels
MAX_PAGES = 100  # 100,000 members: beyond that something is wrong, not a channel
# What Slack answers for a channel the bot cannot see: a private one it was not invited to looks nonexistent.
HIDDEN = frozenset({"channel_not_found", "not_in_channel"})


class CheckTooSlow(Unavailable):
    """A bounded check ran out of time before Slack answered; the caller decides later instead."""


class SlackChannelDirectory:
    """One instance per request: answers are remembered for its lifetime only, so a membership change is
    seen by the next request (the notifier makes a new one for each post)."""

    def __init__(self, client: WebClient, *, deadline: float | None = None) -> None:
        self._client = client
        self._deadline = deadline
        self._known: dict[tuple[str, str], bool] = {}

    def bounded(self, seconds: float) -> SlackChannelDirectory:
        """The same directory with a time budget, for checks that must finish inside Slack's 3 s ack window:
        a client without retries (a 429 would wait for Retry-After) and a short timeout per call."""
        quick = WebClient(token=self._client.token, base_url=self._client.base_url, timeout=max(1, int(seconds)))
        bounded = SlackChannelDirectory(quick, deadline=time.monotonic() + seconds)
        bounded._known = self._known  # what it finds is remembered for the unbounded check that follows
        return bounded

    def is_member(self, channel_id: str, slack_user_id: str) -> bool:
        key = (channel_id, slack_user_id)
        if key not in self._known:
            self._known[key] = self._lookup(channel_id, slack_user_id)
        return self._known[key]

    def _lookup(self, channel_id: str, slack_user_id: str) -> bool:
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            if self._deadline is not None and time.monotonic() > self._deadline:
                raise CheckTooSlow(channel_id)
            page = self._page(channel_id, cursor)
            if slack_user_id in (page.get("members") or []):
                return True
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return False
        raise Refusal(f"Channel {channel_id} has too many members to check; choose a smaller channel.")

    def _page(self, channel_id: str, cursor: str | None) -> dict[str, Any]:
        try:
            response = self._client.conversations_members(channel=channel_id, limit=PAGE_SIZE, cursor=cursor)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "error"))
            if error in HIDDEN:
                raise ChannelUnavailable(
                    f"edabot cannot see channel {channel_id}: it does not exist, or it is a private channel the "
                    "bot is not in. For a private channel, invite the bot to the channel first (/invite @edabot "
                    "in that channel)."
                ) from exc
            if error == "method_not_supported_for_channel_type":
                raise ChannelUnavailable(f"{channel_id} is not a channel edabot can post notifications to.") from exc
            if error == "missing_scope":
                needed = exc.response.get("needed") or "channels:read, groups:read"
                raise Unavailable(
                    f"edabot lacks the Slack scope {needed} to check channel members: reinstall the app from "
                    "manifest.json."
                ) from exc
            raise Unavailable(f"Slack could not list the members of {channel_id} ({error}); try again later.") from exc
        except OSError as exc:  # timeouts and dropped connections (urllib raises OSError subclasses)
            if self._deadline is not None:
                raise CheckTooSlow(channel_id) from exc
            raise Unavailable(f"Slack did not answer about channel {channel_id}; try again later.") from exc
        return dict(response.data) if isinstance(response.data, dict) else {}
