"""The health checks' Slack port (core.doctor.SlackProbe) over the Web API, and the scopes the app needs."""

from __future__ import annotations

import json
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core.doctor import SlackCallFailed, SlackChannelInfo, SlackIdentity

MANIFEST = Path(__file__).resolve().parents[1] / "manifest.json"


def required_scopes() -> frozenset[str]:
    """The bot scopes manifest.json asks for; empty when the manifest cannot be read."""
    try:
        manifest = json.loads(MANIFEST.read_text())
        return frozenset(manifest["oauth_config"]["scopes"]["bot"])
    except (OSError, ValueError, KeyError):
        return frozenset()


class WebClientProbe:
    def __init__(self, client: WebClient) -> None:
        self._client = client

    def identity(self) -> SlackIdentity:
        try:
            auth = self._client.auth_test()
        except SlackApiError as exc:
            raise SlackCallFailed(str(exc.response.get("error", "error"))) from exc
        granted = frozenset(s.strip() for s in (auth.headers.get("x-oauth-scopes") or "").split(",") if s.strip())
        return SlackIdentity(user=auth.get("user"), team=auth.get("team"), scopes=granted)

    def channel(self, channel_id: str) -> SlackChannelInfo:
        try:
            info = self._client.conversations_info(channel=channel_id)["channel"]
        except SlackApiError as exc:
            raise SlackCallFailed(str(exc.response.get("error", "error"))) from exc
        return SlackChannelInfo(
            name=info.get("name"), is_member=bool(info.get("is_member")), is_private=bool(info.get("is_private"))
        )
