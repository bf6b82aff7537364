"""response_url endpoints and slash-command ack bodies: messages shown back to the user."""

from __future__ import annotations

import json
import time
from typing import Any

from .api_chat import bot_message
from .blockkit import assign_missing_ids, check_message_blocks
from .context import SimContext
from .workspace import ResponseUrl


def register(
    ctx: SimContext,
    user_id: str,
    channel_id: str | None,
    *,
    source: tuple[str, str] | None = None,
    original: dict[str, Any] | None = None,
) -> ResponseUrl:
    rid = ctx.ids.secret(10)
    record = ResponseUrl(rid, ctx.urls.response_url(rid), user_id, channel_id, time.monotonic(), source=source)
    if original is not None:
        record.current.append(original)  # replace_original/delete_original act on it
    with ctx.ws.lock:
        ctx.ws.responses[rid] = record
    return record


def find(ctx: SimContext, url: str) -> ResponseUrl | None:
    rid = url.rstrip("/").rsplit("/", 1)[-1]
    with ctx.ws.lock:
        return ctx.ws.responses.get(rid)


def _message_problem(ctx: SimContext, where: str, body: dict[str, Any]) -> str | None:
    """Why Slack would reject this message body, or None."""
    blocks = body.get("blocks")
    if blocks is not None:
        problems = check_message_blocks(blocks)
        if problems:
            return f"invalid_blocks: {'; '.join(p.render() for p in problems)}"
    if not (body.get("text") or blocks or body.get("attachments")):
        return "no_text"
    if blocks and not str(body.get("text") or "").strip():
        ctx.violation(f"{where}: blocks sent without fallback `text`", warning=True)
    return None


def _visible_message(ctx: SimContext, body: dict[str, Any], record: ResponseUrl) -> dict[str, Any]:
    blocks = body.get("blocks")
    message = bot_message(
        ctx,
        ctx.ids.new_ts(),
        str(body.get("text") or ""),
        blocks=assign_missing_ids(blocks, ctx.ids.block_id, ctx.ids.action_id) if blocks else None,
        attachments=body.get("attachments"),
        thread_ts=body.get("thread_ts"),
    )
    message.update({"channel": record.channel_id, "user": record.user_id, "response_type": _response_type(body)})
    return message


def _response_type(body: dict[str, Any]) -> str:
    return "in_channel" if body.get("response_type") == "in_channel" else "ephemeral"


def handle_post(ctx: SimContext, rid: str, raw: bytes, content_type: str) -> tuple[int, str]:
    with ctx.ws.lock:
        record = ctx.ws.responses.get(rid)
        if record is None:
            ctx.violation(f"POST to a response_url that was never issued ({rid})")
            return 404, "expired_url"
        where = f"response_url of {record.user_id}"
        if time.monotonic() - record.created_at > ctx.settings.response_url_ttl_s:
            ctx.violation(f"{where}: used after 30 minutes")
            return 404, "expired_url"
        if record.uses >= ctx.settings.response_url_max_uses:
            ctx.violation(f"{where}: used more than {ctx.settings.response_url_max_uses} times")
            return 404, "used_url"
        record.uses += 1
        try:
            if not content_type.lower().startswith("application/json"):
                raise ValueError("not JSON")
            body = json.loads(raw)
            if not isinstance(body, dict):
                raise ValueError("not an object")
        except ValueError:
            ctx.violation(f"{where}: body must be a JSON object sent as application/json")
            return 400, "invalid_payload"
        record.posts.append(body)
        if body.get("delete_original"):
            _delete_original(ctx, record)
            return 200, "ok"
        problem = _message_problem(ctx, where, body)
        if problem is not None:
            ctx.violation(f"{where}: {problem}")
            return 400, problem.split(":", 1)[0]
        message = _visible_message(ctx, body, record)
        if body.get("replace_original"):
            _replace_original(ctx, record, message)
        else:
            _post_new(ctx, record, message)
    return 200, "ok"


def _post_new(ctx: SimContext, record: ResponseUrl, message: dict[str, Any]) -> None:
    record.current.append(message)
    _show(ctx, message, record.channel_id, {"source": "response_url", "response_url": record.url})


def _show(ctx: SimContext, message: dict[str, Any], channel_id: str | None, origin: dict[str, str]) -> None:
    """in_channel messages land in the channel (posted by the bot); the rest are ephemeral."""
    if message["response_type"] == "in_channel" and channel_id in ctx.ws.channels:
        channel_copy = {k: v for k, v in message.items() if k not in ("channel", "response_type")}
        channel_copy["user"] = ctx.identity.bot_user_id
        ctx.ws.store_message(channel_id, channel_copy)
    else:
        ctx.ws.ephemerals.append({**message, **origin})


def _replace_original(ctx: SimContext, record: ResponseUrl, message: dict[str, Any]) -> None:
    if record.source is not None:
        original = ctx.ws.get_message(*record.source)
        if original is not None:
            for key in ("text", "blocks", "attachments"):
                original.pop(key, None)
                if message.get(key) is not None:
                    original[key] = message[key]
            original["edited"] = {"user": ctx.identity.bot_user_id, "ts": message["ts"]}
    if record.current:
        previous = record.current[-1]
        record.current[-1] = message
        _swap_ephemeral(ctx, previous, {**message, "source": "response_url", "response_url": record.url})
    else:
        _post_new(ctx, record, message)


def _delete_original(ctx: SimContext, record: ResponseUrl) -> None:
    if record.source is not None:
        ctx.ws.delete_message(*record.source)
    if record.current:
        previous = record.current.pop()
        _swap_ephemeral(ctx, previous, None)


def _swap_ephemeral(ctx: SimContext, previous: dict[str, Any], replacement: dict[str, Any] | None) -> None:
    for i, item in enumerate(ctx.ws.ephemerals):
        if item.get("ts") == previous.get("ts") and item.get("channel") == previous.get("channel"):
            if replacement is None:
                del ctx.ws.ephemerals[i]
            else:
                ctx.ws.ephemerals[i] = replacement
            return


def apply_command_ack(ctx: SimContext, user_id: str, channel_id: str | None, payload: dict[str, Any]) -> None:
    """A slash command ack body is shown to the user like a response_url message."""
    where = f"slash command ack for {user_id}"
    problem = _message_problem(ctx, where, payload)
    if problem is not None:
        ctx.violation(f"{where}: {problem}")
        return
    record = ResponseUrl("ack", "ack", user_id, channel_id, time.monotonic())
    _show(ctx, _visible_message(ctx, payload, record), channel_id, {"source": "ack"})
