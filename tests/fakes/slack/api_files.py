"""files.getUploadURLExternal, files.completeUploadExternal, files.info (the upload v2 flow)."""

from __future__ import annotations

import copy
from typing import Any

from .api_base import ApiCall, ApiError, Handler, arg_int, arg_json, arg_list, arg_str, message_blocks
from .api_chat import bot_message
from .api_conversations import check_can_post, visible_conversation
from .context import SimContext
from .filestore import file_meta, share, shared_copy
from .workspace import StoredFile

MAX_ALT_TXT = 1000
MAX_SNIPPET_BYTES = 1_000_000


def get_upload_url(ctx: SimContext, call: ApiCall) -> dict[str, Any]:
    method = call.method
    filename = arg_str(call.args, "filename") or ""
    length = arg_int(call.args, "length", method)
    if length is None or length <= 0:
        raise ApiError("missing_argument", violation=f"{method}: length must be a positive byte count")
    alt_txt = arg_str(call.args, "alt_txt")
    if alt_txt is not None and len(alt_txt) > MAX_ALT_TXT:
        raise ApiError("alt_txt_too_large", violation=f"{method}: alt_txt longer than {MAX_ALT_TXT} chars")
    if arg_str(call.args, "snippet_type") and length > MAX_SNIPPET_BYTES:
        raise ApiError("snippet_too_large", violation=f"{method}: snippet larger than 1 MB")
    file_id = ctx.ids.new_id("F")
    meta = file_meta(ctx, file_id, filename, title=None, size=length, user=ctx.identity.bot_user_id)
    if alt_txt is not None:
        meta["alt_txt"] = alt_txt
    ctx.ws.files[file_id] = StoredFile(meta=meta, declared_length=length)
    return {"ok": True, "upload_url": ctx.urls.upload_url(file_id), "file_id": file_id}


def _targets(ctx: SimContext, call: ApiCall) -> list[dict[str, Any]]:
    refs = [r for r in [arg_str(call.args, "channel_id"), *arg_list(call.args, "channels")] if r]
    targets: list[dict[str, Any]] = []
    for ref in dict.fromkeys(refs):  # de-duplicate, keep order
        channel = visible_conversation(ctx, ref)
        check_can_post(ctx, channel)
        targets.append(channel)
    return targets


def complete_upload(ctx: SimContext, call: ApiCall) -> dict[str, Any]:
    method = call.method
    entries = arg_json(call.args, "files", method)
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) and e.get("id") for e in entries):
        raise ApiError("invalid_arguments", violation=f"{method}: files must be a JSON array of {{id, title}}")
    stored_files: list[StoredFile] = []
    for entry in entries:
        stored = ctx.ws.files.get(str(entry["id"]))
        if stored is None or not stored.uploaded or stored.completed:
            state = "unknown" if stored is None else "already completed" if stored.completed else "never uploaded"
            raise ApiError("file_not_found", violation=f"{method}: file {entry['id']} is {state}")
        stored_files.append(stored)
    targets = _targets(ctx, call)
    blocks = message_blocks(ctx, method, call.args)
    for entry, stored in zip(entries, stored_files, strict=True):
        if entry.get("title"):
            stored.meta["title"] = str(entry["title"])
        stored.completed = True
    # The response lists the files before sharing finishes: Slack shares asynchronously, so
    # `shares` is empty here even on success (bolt-js #2115); files.info shows them afterwards.
    response_files = [copy.deepcopy(s.meta) for s in stored_files]
    for channel in targets:
        ts = ctx.ids.new_ts()
        message = bot_message(
            ctx,
            ts,
            arg_str(call.args, "initial_comment") or "",
            files=[shared_copy(s.meta) for s in stored_files],
            upload=True,
            display_as_bot=False,
            blocks=blocks,
            thread_ts=arg_str(call.args, "thread_ts"),
        )
        ctx.ws.store_message(channel["id"], message)
        for stored in stored_files:
            share(ctx, stored, channel, ts)
    return {"ok": True, "files": response_files}


def info(ctx: SimContext, call: ApiCall) -> dict[str, Any]:
    stored = ctx.ws.files.get(arg_str(call.args, "file") or "")
    if stored is None or not stored.completed:
        raise ApiError("file_not_found")
    return {"ok": True, "file": copy.deepcopy(stored.meta), "comments": [], "response_metadata": {"next_cursor": ""}}


HANDLERS: dict[str, Handler] = {
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
    "files.info": info,
}
