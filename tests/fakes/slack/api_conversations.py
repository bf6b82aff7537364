"""conversations.* methods and the conversation-access rules other methods share."""

from __future__ import annotations

import base64
import copy
from typing import Any

from .api_base import ApiCall, ApiError, Handler, arg_bool, arg_int, arg_list, arg_str
from .context import SimContext
from .workspace import CONV_IM, CONV_PRIVATE, Workspace, ts_key

MAX_MPIM_USERS = 8


def ensure_im(ctx: SimContext, user_id: str) -> str:
    """The bot's DM channel with `user_id`, created on first use like conversations.open does."""
    with ctx.ws.lock:
        existing = ctx.ws.ims.get(user_id)
        if existing is not None:
            return existing
        return str(ctx.ws.open_im(user_id, ctx.ids.new_id("D"))["id"])


def visible_conversation(ctx: SimContext, ref: str | None) -> dict[str, Any]:
    """A conversation the bot can see; private ones it is not in look nonexistent, as on Slack."""
    channel = ctx.ws.find_conversation(ref)
    if channel is None and ref and ref[0] in "UW" and ref in ctx.ws.users:
        # chat.postMessage(channel=<user id>) posts into the app's DM with that user.
        channel = ctx.ws.channels[ensure_im(ctx, ref)]
    if channel is None:
        raise ApiError("channel_not_found")
    return channel


def check_can_post(ctx: SimContext, channel: dict[str, Any]) -> None:
    if channel.get("is_archived"):
        raise ApiError("is_archived")
    if channel.get("is_im") or channel.get("is_member"):
        return
    if Workspace.conversation_type(channel) == CONV_PRIVATE:
        raise ApiError("not_in_channel")
    # Public channel the bot has not joined: allowed only with chat:write.public.
    if not ctx.has_scope("chat:write.public"):
        raise ApiError("not_in_channel")


def public_message(message: dict[str, Any], *, include_metadata: bool) -> dict[str, Any]:
    """A stored message as Slack returns it (metadata only when asked for)."""
    out = copy.deepcopy(message)
    if not include_metadata:
        out.pop("metadata", None)
    return out


def _is_top_level(message: dict[str, Any]) -> bool:
    thread_ts = message.get("thread_ts")
    return thread_ts is None or thread_ts == message["ts"] or message.get("subtype") == "thread_broadcast"


def _decode_cursor(method: str, cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        kind, _, value = base64.b64decode(cursor.encode()).decode().partition(":")
        if kind != "offset":
            raise ValueError(kind)
        return int(value)
    except ValueError:
        raise ApiError("invalid_cursor", violation=f"{method}: cursor {cursor!r} was not issued by Slack") from None


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _window(
    call: ApiCall, messages: list[dict[str, Any]], *, default_limit: int
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Apply oldest/latest/inclusive/limit/cursor; returns (page, pagination fields)."""
    args = call.args
    latest, oldest = arg_str(args, "latest"), arg_str(args, "oldest")
    inclusive = arg_bool(args, "inclusive")
    try:
        if latest:
            bound = ts_key(latest)
            messages = [m for m in messages if ts_key(m["ts"]) < bound or (inclusive and ts_key(m["ts"]) == bound)]
        if oldest:
            bound = ts_key(oldest)
            messages = [m for m in messages if ts_key(m["ts"]) > bound or (inclusive and ts_key(m["ts"]) == bound)]
    except ValueError:
        which = "invalid_ts_latest" if latest else "invalid_ts_oldest"
        raise ApiError(which, violation=f"{call.method}: malformed ts bound") from None
    limit = arg_int(args, "limit", call.method) or default_limit
    limit = max(1, min(limit, 999))
    offset = _decode_cursor(call.method, arg_str(args, "cursor"))
    page = messages[offset : offset + limit]
    has_more = offset + limit < len(messages)
    extra: dict[str, Any] = {"has_more": has_more}
    extra["response_metadata"] = {"next_cursor": _encode_cursor(offset + limit) if has_more else ""}
    if latest:
        extra["latest"] = latest
    return page, extra


def history(ctx: SimContext, call: ApiCall) -> dict[str, Any]:
    channel = visible_conversation(ctx, arg_str(call.args, "channel"))
    if not channel.get("is_member") and not channel.get("is_im"):
        raise ApiError("not_in_channel")
    newest_first = [m for m in reversed(ctx.ws.channel_messages(channel["id"])) if _is_top_level(m)]
    page, extra = _window(call, newest_first, default_limit=100)
    include_metadata = arg_bool(call.args, "include_all_metadata")
    messages = [public_message(m, include_metadata=include_metadata) for m in page]
    return {"ok": True, "messages": messages, "pin_count": 0, **extra}


def replies(ctx: SimContext, call: ApiCall) -> dict[str, Any]:
    channel = visible_conversation(ctx, arg_str(call.args, "channel"))
    ts = arg_str(call.args, "ts") or ""
    parent = ctx.ws.get_message(channel["id"], ts)
    if parent is None:
        raise ApiError("thread_not_found")
    thread = [parent] + [
        m for m in ctx.ws.channel_messages(channel["id"]) if m.get("thread_ts") == ts and m["ts"] != ts
    ]
    page, extra = _window(call, thread, default_limit=1000)
    include_metadata = arg_bool(call.args, "include_all_metadata")
    return {"ok": True, "messages": [public_message(m, include_metadata=include_metadata) for m in page], **extra}


def info(ctx: SimContext, call: ApiCall) -> dict[str, Any]:
    channel = visible_conversation(ctx, arg_str(call.args, "channel"))
    if Workspace.conversation_type(channel) == CONV_PRIVATE and not channel.get("is_member"):
        raise ApiError("channel_not_found")
    out = copy.deepcopy(channel)
    if arg_bool(call.args, "include_num_members") and not channel.get("is_im"):
        members = ctx.ws.members.get(channel["id"])
        out["num_members"] = len(members) if members is not None else len(ctx.ws.users)
    return {"ok": True, "channel": out}


MAX_MEMBERS_LIMIT = 1000  # docs: "fewer than the requested number may be returned"; Slack caps pages


def members(ctx: SimContext, call: ApiCall) -> dict[str, Any]:
    """conversations.members: user ids, paginated with response_metadata.next_cursor ("" on the last page)."""
    channel = visible_conversation(ctx, arg_str(call.args, "channel"))
    if Workspace.conversation_type(channel) == CONV_PRIVATE and not channel.get("is_member"):
        # A private channel the bot was not invited to does not exist as far as the bot can tell.
        raise ApiError("channel_not_found")
    limit = arg_int(call.args, "limit", call.method)
    if limit is not None and limit < 1:
        raise ApiError("invalid_limit", violation=f"{call.method}: limit must be a positive number")
    limit = min(limit or 100, MAX_MEMBERS_LIMIT)
    everyone = ctx.ws.member_ids(channel["id"], ctx.identity.bot_user_id)
    offset = _decode_cursor(call.method, arg_str(call.args, "cursor"))
    page = everyone[offset : offset + limit]
    more = offset + limit < len(everyone)
    return {
        "ok": True,
        "members": page,
        "response_metadata": {"next_cursor": _encode_cursor(offset + limit) if more else ""},
    }


def open_conversation(ctx: SimContext, call: ApiCall) -> dict[str, Any]:
    args = call.args
    return_im = arg_bool(args, "return_im")
    ref = arg_str(args, "channel")
    if ref:
        channel = visible_conversation(ctx, ref)
        return {"ok": True, "channel": copy.deepcopy(channel) if return_im else {"id": channel["id"]}}
    users = arg_list(args, "users")
    if not users:
        raise ApiError("users_list_not_supplied", violation="conversations.open: neither users nor channel given")
    if len(users) > MAX_MPIM_USERS:
        raise ApiError("too_many_users")
    for user_id in users:
        if user_id not in ctx.ws.users:
            raise ApiError("user_not_found")
    if len(users) == 1:
        existing = ctx.ws.ims.get(users[0])
        if existing is None and arg_bool(args, "prevent_creation"):
            raise ApiError("channel_not_found")
        channel_id = ensure_im(ctx, users[0])
        channel = ctx.ws.channels[channel_id]
        body: dict[str, Any] = {"ok": True}
        if existing is not None:
            body.update({"no_op": True, "already_open": True})
        body["channel"] = copy.deepcopy(channel) if return_im else {"id": channel_id}
        return body
    return _open_mpim(ctx, users, return_im)


def _open_mpim(ctx: SimContext, users: list[str], return_im: bool) -> dict[str, Any]:
    members = set(users) | {ctx.identity.bot_user_id}
    for channel in ctx.ws.channels.values():
        if channel.get("is_mpim") and ctx.ws.members.get(channel["id"]) == members:
            return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": channel["id"]}}
    names = sorted(ctx.ws.users[u]["name"] for u in users)
    channel = ctx.ws.add_channel(
        ctx.ids.new_id("G"), "mpdm-" + "--".join(names) + "-1", is_private=True, members=members
    )
    with ctx.ws.lock:
        stored = ctx.ws.channels[channel["id"]]
        stored.update({"is_mpim": True, "is_group": False, "is_channel": False})
    return {"ok": True, "channel": copy.deepcopy(stored) if return_im else {"id": stored["id"]}}


def conversation_type_of(ctx: SimContext, ref: str | None) -> str | None:
    """Used by scope checks: channels:* vs groups:* vs im:* depend on the conversation."""
    channel = ctx.ws.find_conversation(ref)
    if channel is None and ref and ref[0] in "UW":
        return CONV_IM
    return Workspace.conversation_type(channel) if channel is not None else None


HANDLERS: dict[str, Handler] = {
    "conversations.history": history,
    "conversations.replies": replies,
    "conversations.info": info,
    "conversations.members": members,
    "conversations.open": open_conversation,
}
