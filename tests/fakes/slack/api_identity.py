"""auth.test, apps.connections.open and users.info."""

from __future__ import annotations

import copy
from typing import Any

from .api_base import ApiCall, ApiError, Handler, arg_str
from .context import SimContext


def auth_test(ctx: SimContext, call: ApiCall) -> dict[str, Any]:
    # Bot-token variant of the documented example, plus the fields slack_sdk/Bolt read.
    who = ctx.identity
    return {
        "ok": True,
        "url": f"https://{who.team_domain}.slack.com/",
        "team": who.team_name,
        "user": who.bot_name,
        "team_id": who.team_id,
        "user_id": who.bot_user_id,
        "bot_id": who.bot_id,
        "is_enterprise_install": False,
    }


def connections_open(ctx: SimContext, call: ApiCall) -> dict[str, Any]:
    # A single-use ticket, like Slack's: reconnecting with a stale URL fails (python-slack-sdk #1379).
    ticket = ctx.ids.secret(16)
    with ctx.ws.lock:
        ctx.ws.tickets.add(ticket)
    return {"ok": True, "url": f"{ctx.urls.ws_base}/link/?ticket={ticket}&app_id={ctx.identity.app_id}"}


def users_info(ctx: SimContext, call: ApiCall) -> dict[str, Any]:
    user = ctx.ws.users.get(arg_str(call.args, "user") or "")
    if user is None:
        raise ApiError("user_not_found")
    return {"ok": True, "user": copy.deepcopy(user)}


HANDLERS: dict[str, Handler] = {
    "auth.test": auth_test,
    "apps.connections.open": connections_open,
    "users.info": users_info,
}
