"""The one Slack workspace this bot serves: requests from any other team are refused, and only its own
members may hold an account (Slack Connect users from other organisations may not)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core.errors import NotAllowed, Unavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InstalledWorkspace:
    team_id: str
    name: str
    enterprise_id: str | None

    def owns(self, team_or_enterprise_id: str) -> bool:
        # Bolt notes that some payloads carry an Enterprise Grid id (E…) where a team id would be.
        return team_or_enterprise_id in (self.team_id, self.enterprise_id)


_cache_lock = threading.Lock()
_cache: dict[tuple[str, str | None], InstalledWorkspace] = {}


def installed_workspace(client: WebClient) -> InstalledWorkspace:
    """auth.test's team, asked once per token and cached: the installation never changes under a token."""
    key = (client.base_url, client.token)
    with _cache_lock:
        known = _cache.get(key)
    if known is not None:
        return known
    answer = client.auth_test()
    found = InstalledWorkspace(
        team_id=str(answer["team_id"]),
        name=str(answer.get("team") or answer["team_id"]),
        enterprise_id=str(answer["enterprise_id"]) if answer.get("enterprise_id") else None,
    )
    with _cache_lock:
        _cache[key] = found
    return found


def _team_ids(body: dict[str, Any]) -> Iterator[str]:
    """Every team (or enterprise) id a payload names for where it, or the person behind it, comes from."""
    team = body.get("team")
    user = body.get("user")
    event = body.get("event")
    enterprise = body.get("enterprise")
    candidates = [
        body.get("team_id"),
        team.get("id") if isinstance(team, dict) else team,
        user.get("team_id") if isinstance(user, dict) else None,
        body.get("enterprise_id"),
        enterprise.get("id") if isinstance(enterprise, dict) else None,
    ]
    if isinstance(event, dict):
        # Message events name the sender's team: a Slack Connect user's is their own organisation's.
        candidates += [event.get("user_team"), event.get("team")]
    for candidate in candidates:
        if isinstance(candidate, str) and candidate:
            yield candidate


def foreign_team(body: dict[str, Any], ours: InstalledWorkspace) -> str | None:
    """The first team id in the payload that is not the installed workspace's, or None."""
    return next((t for t in _team_ids(body) if not ours.owns(t)), None)


def workspace_guard(client: WebClient) -> Callable[..., BoltResponse | None]:
    """A global Bolt middleware: commands from another team get an ephemeral refusal, anything else is
    acknowledged and dropped with a log line (an unacknowledged event would only be retried)."""

    def guard(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
        try:
            ours = installed_workspace(client)
        except SlackApiError:
            log.exception("auth.test failed: refusing a request whose workspace cannot be checked")
            return _refusal(body, "edabot cannot confirm which workspace it serves right now; try again shortly.")
        stranger = foreign_team(body, ours)
        if stranger is None:
            next()
            return None
        log.warning(
            "refused a %s from team %s: this bot serves %s only",
            body.get("command") or body.get("type") or "request",
            stranger,
            ours.team_id,
        )
        return _refusal(
            body, f"This bot serves the {ours.name} workspace only; requests from other workspaces are refused."
        )

    return guard


def _refusal(body: dict[str, Any], text: str) -> BoltResponse:
    if body.get("command"):
        # The ack's payload is what Slack shows the person who typed the command.
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": text})
    return BoltResponse(status=200, body="")


def stranger_reason(client: WebClient, user_id: str) -> str | None:
    """Why this Slack user is not a member of the installed workspace (users.info), or None if they are."""
    ours = installed_workspace(client)
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        error = str(exc.response.get("error", "error"))
        if error in ("user_not_found", "user_not_visible"):
            return "Slack does not show this account to the workspace"
        raise Unavailable(f"Slack could not say who {user_id} is (users.info: {error}); try again later.") from exc
    if user.get("is_stranger"):
        return "it is an external (Slack Connect) account from another organisation"
    team = user.get("team_id")
    if isinstance(team, str) and team and not ours.owns(team):
        return f"it belongs to another workspace ({team})"
    enterprise = (user.get("enterprise_user") or {}).get("enterprise_id")
    if isinstance(enterprise, str) and enterprise and enterprise != ours.enterprise_id:
        return f"it belongs to another Enterprise Grid organisation ({enterprise})"
    return None


def require_workspace_member(client: WebClient, user_id: str, *, whose: str = "Your") -> None:
    """Refuse an account for anyone outside the installed workspace, saying why."""
    reason = stranger_reason(client, user_id)
    if reason is not None:
        name = installed_workspace(client).name
        raise NotAllowed(
            f"{whose} Slack account cannot have an edabot account: {reason}. edabot accounts are for members of "
            f"the {name} workspace only. Nothing was created."
        )
