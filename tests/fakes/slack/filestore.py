"""Files: metadata in Slack's file-object shape, sharing into conversations, upload and download."""

from __future__ import annotations

import copy
import mimetypes
import time
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import PurePosixPath
from typing import Any

from .context import SimContext
from .workspace import CONV_IM, CONV_PUBLIC, StoredFile, Workspace


def file_meta(ctx: SimContext, file_id: str, name: str, *, title: str | None, size: int, user: str) -> dict[str, Any]:
    """A file object shaped like files.info's documented example."""
    suffix = PurePosixPath(name).suffix.lstrip(".").lower()
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    now = int(time.time())
    meta: dict[str, Any] = {
        "id": file_id,
        "created": now,
        "timestamp": now,
        "name": name,
        "title": title or name,
        "mimetype": mimetype,
        "filetype": suffix or "binary",
        "pretty_type": suffix.upper() or "Binary",
        "user": user,
        "user_team": ctx.identity.team_id,
        "editable": False,
        "size": size,
        "mode": "hosted",
        "is_external": False,
        "external_type": "",
        "is_public": False,
        "public_url_shared": False,
        "display_as_bot": False,
        "username": "",
        "comments_count": 0,
        "is_starred": False,
        "shares": {},
        "channels": [],
        "groups": [],
        "ims": [],
        "has_rich_preview": False,
        "file_access": "visible",
    }
    meta.update(ctx.urls.file_urls(ctx.identity.team_id, file_id, name))
    return meta


def share(ctx: SimContext, stored: StoredFile, channel: dict[str, Any], ts: str) -> None:
    """Record a share of the file into `channel` at message `ts` (what files.info then shows)."""
    meta = stored.meta
    kind = Workspace.conversation_type(channel)
    bucket = "public" if kind == CONV_PUBLIC else "private"
    entry: dict[str, Any] = {"reply_users": [], "reply_users_count": 0, "reply_count": 0, "ts": ts}
    if channel.get("name"):
        entry["channel_name"] = channel["name"]
    entry["team_id"] = ctx.identity.team_id
    meta["shares"].setdefault(bucket, {}).setdefault(channel["id"], []).append(entry)
    listing = "channels" if kind == CONV_PUBLIC else "ims" if kind == CONV_IM else "groups"
    if channel["id"] not in meta[listing]:
        meta[listing].append(channel["id"])
    meta["is_public"] = meta["is_public"] or kind == CONV_PUBLIC


def shared_copy(meta: dict[str, Any]) -> dict[str, Any]:
    """The file object embedded in a message (without the share bookkeeping)."""
    out = copy.deepcopy(meta)
    for key in ("shares", "channels", "groups", "ims"):
        out.pop(key, None)
    return out


def extract_upload(raw: bytes, content_type: str) -> bytes:
    """Upload URLs take raw bytes (what slack_sdk sends) or a multipart form with one file part."""
    if not content_type.lower().startswith("multipart/form-data"):
        return raw
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and (part.get_filename() or part.get_param("name", header="content-disposition")):
            return payload
    return raw


def accept_upload(ctx: SimContext, file_id: str, raw: bytes, content_type: str) -> tuple[int, str]:
    with ctx.ws.lock:
        stored = ctx.ws.files.get(file_id)
        if stored is None or stored.completed:
            ctx.violation(f"upload to unknown or already completed upload_url for {file_id}")
            return 404, "file not found"
        data = extract_upload(raw, content_type)
        if stored.declared_length is not None and len(data) != stored.declared_length:
            ctx.violation(
                f"upload of {file_id}: {len(data)} bytes sent but files.getUploadURLExternal said "
                f"length={stored.declared_length}"
            )
        stored.content = data
        stored.uploaded = True
        stored.meta["size"] = len(data)
    return 200, f"OK - {len(data)}"


def authorize_download(ctx: SimContext, authorization: str | None, file_id: str) -> StoredFile | str:
    """The stored file, or why Slack would answer with its sign-in page instead of the bytes."""
    expected = f"Bearer {ctx.identity.bot_token}"
    if authorization != expected:
        return "without `Authorization: Bearer <bot token>`"
    if not ctx.has_scope("files:read"):
        return "with a token lacking files:read"
    with ctx.ws.lock:
        stored = ctx.ws.files.get(file_id)
    if stored is None or stored.content is None:
        return "for a file that does not exist"
    return stored
