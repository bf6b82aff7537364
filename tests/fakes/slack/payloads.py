"""Socket Mode envelopes and their payloads, in the shapes of shared/specs/slack/socket-mode-samples."""

from __future__ import annotations

import copy
import time
from typing import Any

from .context import SimContext

VERIFICATION_TOKEN = "verification-token"  # deprecated field, still present in every payload

EVENTS_API = "events_api"
SLASH_COMMANDS = "slash_commands"
INTERACTIVE = "interactive"


def envelope(
    envelope_id: str,
    kind: str,
    payload: dict[str, Any],
    *,
    accepts_response_payload: bool,
    retry_attempt: int | None = None,
    retry_reason: str | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "envelope_id": envelope_id,
        "payload": payload,
        "type": kind,
        "accepts_response_payload": accepts_response_payload,
    }
    if kind == EVENTS_API:
        # Events carry the retry fields even on the first attempt (0, "").
        out["retry_attempt"] = retry_attempt or 0
        out["retry_reason"] = retry_reason or ""
    return out


def hello(ctx: SimContext, num_connections: int) -> dict[str, Any]:
    return {
        "type": "hello",
        "num_connections": num_connections,
        "debug_info": {"host": "applink-sim-1", "build_number": 10, "approximate_connection_time": 18060},
        "connection_info": {"app_id": ctx.identity.app_id},
    }


def disconnect(ctx: SimContext, reason: str, num_connections: int) -> dict[str, Any]:
    return {
        "type": "disconnect",
        "reason": reason,
        "num_connections": num_connections,
        "debug_info": {"host": "applink-sim-1"},
        "connection_info": {"app_id": ctx.identity.app_id},
    }


def _team(ctx: SimContext) -> dict[str, Any]:
    return {"id": ctx.identity.team_id, "domain": ctx.identity.team_domain}


def _user(ctx: SimContext, user: dict[str, Any]) -> dict[str, Any]:
    # A Slack Connect user carries their own organisation's team id.
    team_id = user.get("team_id") or ctx.identity.team_id
    return {"id": user["id"], "username": user["name"], "name": user["name"], "team_id": team_id}


def slash_command(
    ctx: SimContext,
    *,
    user: dict[str, Any],
    channel: dict[str, Any],
    command: str,
    text: str,
    response_url: str,
    trigger_id: str,
    team_id: str | None = None,
) -> dict[str, Any]:
    # Slash command payloads are form fields upstream, hence strings throughout.
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id or ctx.identity.team_id,
        "team_domain": ctx.identity.team_domain,
        "channel_id": channel["id"],
        "channel_name": "directmessage" if channel.get("is_im") else str(channel.get("name", "")),
        "user_id": user["id"],
        "user_name": user["name"],
        "command": command,
        "text": text,
        "api_app_id": ctx.identity.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def block_actions(
    ctx: SimContext,
    *,
    user: dict[str, Any],
    action: dict[str, Any],
    trigger_id: str,
    container: dict[str, Any],
    channel: dict[str, Any] | None = None,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    response_url: str | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(ctx, user),
        "api_app_id": ctx.identity.app_id,
        "token": VERIFICATION_TOKEN,
        "container": container,
        "trigger_id": trigger_id,
        "team": _team(ctx),
        "enterprise": None,
        "is_enterprise_install": False,
    }
    if channel is not None:
        payload["channel"] = {
            "id": channel["id"],
            "name": "directmessage" if channel.get("is_im") else channel.get("name"),
        }
    if message is not None:
        payload["message"] = copy.deepcopy(message)
        payload["state"] = {"values": {}}
    if view is not None:
        payload["view"] = copy.deepcopy(view)
    if response_url is not None:
        payload["response_url"] = response_url
    payload["actions"] = [action]
    return payload


def shortcut(ctx: SimContext, *, user: dict[str, Any], callback_id: str, trigger_id: str) -> dict[str, Any]:
    return {
        "type": "shortcut",
        "token": VERIFICATION_TOKEN,
        "action_ts": f"{time.time():.6f}",
        "team": _team(ctx),
        "user": {"id": user["id"], "username": user["name"], "team_id": ctx.identity.team_id},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id,
    }


def view_submission(ctx: SimContext, *, user: dict[str, Any], view: dict[str, Any], trigger_id: str) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": _team(ctx),
        "user": _user(ctx, user),
        "api_app_id": ctx.identity.app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": copy.deepcopy(view),
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_closed(ctx: SimContext, *, user: dict[str, Any], view: dict[str, Any], is_cleared: bool) -> dict[str, Any]:
    return {
        "type": "view_closed",
        "team": _team(ctx),
        "user": _user(ctx, user),
        "api_app_id": ctx.identity.app_id,
        "token": VERIFICATION_TOKEN,
        "view": copy.deepcopy(view),
        "is_cleared": is_cleared,
        "is_enterprise_install": False,
        "enterprise": None,
    }


def event_callback(
    ctx: SimContext, event: dict[str, Any], event_id: str, *, team_id: str | None = None
) -> dict[str, Any]:
    who = ctx.identity
    channel = event.get("channel")
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id or who.team_id,
        "api_app_id": who.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id or who.team_id,
                "user_id": who.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"1-{event.get('type')}-{team_id or who.team_id}-{channel or ''}",
    }
