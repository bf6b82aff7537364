"""chat.postMessage, chat.update, chat.delete, chat.postEphemeral."""

from __future__ import annotations

from typing import Any

from .api_base import (
    ApiCall,
    ApiError,
    Handler,
    arg_bool,
    arg_json,
    arg_str,
    check_fallback_text,
    clamp_text,
    message_blocks,
    parse_metadata,
)
from .api_conversations import check_can_post, public_message, visible_conversation
from .blockkit import assign_missing_ids
from .context import SimContext


def bot_message(ctx: SimContext, ts: str, text: str, **fields: Any) -> dict[str, Any]:
    """A message as Slack stores one posted with a bot token (modern apps: user + bot_id, no subtype)."""
    who = ctx.identity
    message: dict[str, Any] = {
        "type": "message",
        "user": who.bot_user_id,
        "bot_id": who.bot_id,
        "app_id": who.app_id,
        "text": text,
        "ts": ts,
        "team": who.team_id,
        "bot_profile": {
            "id": who.bot_id,
            "app_id": who.app_id,
            "name": who.bot_name,
            "deleted": False,
            "team_id": who.team_id,
        },
    }
    message.update({k: v for k, v in fields.items() if v is not None})
    return message


def _content(ctx: SimContext, call: ApiCall, *, require: bool = True) -> dict[str, Any]:
    """text / blocks / attachments / markdown_text as Slack validates them for a message."""
    args, method = call.args, call.method
    text = clamp_text(ctx, method, arg_str(args, "text"))
    blocks = message_blocks(ctx, method, args)
    attachments = arg_json(args, "attachments", method, error="invalid_attachments")
    markdown_text = arg_str(args, "markdown_text")
    if markdown_text and (text or blocks):
        raise ApiError("markdown_text_conflict", violation=f"{method}: markdown_text combined with text/blocks")
    if require and not (text or blocks or attachments or markdown_text):
        raise ApiError("no_text", violation=f"{method}: no text, blocks, attachments or markdown_text")
    if not markdown_text:
        check_fallback_text(ctx, method, text, blocks)
    if blocks is not None:
        blocks = assign_missing_ids(blocks, ctx.ids.block_id, ctx.ids.action_id)
    return {"text": text, "blocks": blocks, "attachments": attachments, "markdown_text": markdown_text}


def post_message(ctx: SimContext, call: ApiCall) -> dict[str, Any]:
    channel = visible_conversation(ctx, arg_str(call.args, "channel"))
    check_can_post(ctx, channel)
    content = _content(ctx, call)
    metadata = parse_metadata(call.method, call.args)
    ts = ctx.ids.new_ts()
    message = bot_message(
        ctx,
        ts,
        content["text"] or content["markdown_text"] or "",
        blocks=content["blocks"],
        attachments=content["attachments"],
        metadata=metadata,
    )
    thread_ts = arg_str(call.args, "thread_ts")
    if thread_ts:
        message["thread_ts"] = thread_ts
        if arg_bool(call.args, "reply_broadcast"):
            message["subtype"] = "thread_broadcast"
        _note_reply(ctx, channel["id"], thread_ts, ts)
    ctx.ws.store_message(channel["id"], message)
    return {"ok": True, "channel": channel["id"], "ts": ts, "message": public_message(message, include_metadata=True)}


def _note_reply(ctx: SimContext, channel_id: str, thread_ts: str, ts: str) -> None:
    parent = ctx.ws.get_message(channel_id, thread_ts)
    if parent is None:
        return
    parent.setdefault("thread_ts", thread_ts)
    parent["reply_count"] = int(parent.get("reply_count", 0)) + 1
    parent["latest_reply"] = ts
    users = parent.setdefault("reply_users", [])
    if ctx.identity.bot_user_id not in users:
        users.append(ctx.identity.bot_user_id)
    parent["reply_users_count"] = len(users)


def _own_message(ctx: SimContext, call: ApiCall, cant: str) -> tuple[dict[str, Any], dict[str, Any]]:
    channel = visible_conversation(ctx, arg_str(call.args, "channel"))
    message = ctx.ws.get_message(channel["id"], arg_str(call.args, "ts") or "")
    if message is None:
        raise ApiError("message_not_found")
    if message.get("bot_id") != ctx.identity.bot_id:
        raise ApiError(cant, violation=f"{call.method}: message {message['ts']} was not posted by this bot")
    return channel, message


def update(ctx: SimContext, call: ApiCall) -> dict[str, Any]:
    channel, message = _own_message(ctx, call, "cant_update_message")
    content = _content(ctx, call)
    metadata = parse_metadata(call.method, call.args)
    if content["text"] is not None or content["markdown_text"] is not None:
        message["text"] = content["text"] or content["markdown_text"] or ""
    for key in ("blocks", "attachments"):
        if content[key] is not None:
            message[key] = content[key]
    if metadata is not None:
        message["metadata"] = metadata
    message["edited"] = {"user": ctx.identity.bot_user_id, "ts": ctx.ids.new_ts()}
    return {
        "ok": True,
        "channel": channel["id"],
        "ts": message["ts"],
        "text": message["text"],
        "message": public_message(message, include_metadata=True),
    }


def delete(ctx: SimContext, call: ApiCall) -> dict[str, Any]:
    channel, message = _own_message(ctx, call, "cant_delete_message")
    ctx.ws.delete_message(channel["id"], message["ts"])
    return {"ok": True, "channel": channel["id"], "ts": message["ts"]}


def post_ephemeral(ctx: SimContext, call: ApiCall) -> dict[str, Any]:
    channel = visible_conversation(ctx, arg_str(call.args, "channel"))
    check_can_post(ctx, channel)
    user_id = arg_str(call.args, "user") or ""
    if user_id not in ctx.ws.users or not ctx.ws.is_user_in(channel["id"], user_id):
        raise ApiError("user_not_in_channel")
    content = _content(ctx, call)
    ts = ctx.ids.new_ts()
    ephemeral = bot_message(
        ctx,
        ts,
        content["text"] or content["markdown_text"] or "",
        blocks=content["blocks"],
        attachments=content["attachments"],
        thread_ts=arg_str(call.args, "thread_ts"),
    )
    # `user` is the recipient (who sees it); `source` says which API produced it.
    ephemeral.update({"channel": channel["id"], "user": user_id, "source": "chat.postEphemeral"})
    with ctx.ws.lock:
        ctx.ws.ephemerals.append(ephemeral)
    return {"ok": True, "message_ts": ts}


HANDLERS: dict[str, Handler] = {
    "chat.postMessage": post_message,
    "chat.update": update,
    "chat.delete": delete,
    "chat.postEphemeral": post_ephemeral,
}
